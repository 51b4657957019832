package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SysctlBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodAdmissionTest {
    private static Pod withSysctl(String name, boolean hostNetwork, boolean hostIpc) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("d").endMetadata()
                .withNewSpec().withHostNetwork(hostNetwork).withHostIPC(hostIpc)
                .withNewSecurityContext().withSysctls(new SysctlBuilder().withName(name).withValue("1").build())
                .endSecurityContext().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }

    @Test
    void safeSysctlsAreAdmittedAndUnsafeOnesRejectedAsSysctlForbidden() {
        PodAdmission admission = new PodAdmission(() -> false);
        assertNull(admission.check(withSysctl("net.ipv4.ip_unprivileged_port_start", false, false)));
        assertNull(admission.check(withSysctl("kernel.shm_rmid_forced", false, false)));
        assertEquals(new PodAdmission.Rejection("SysctlForbidden", "forbidden sysctl: \"kernel.msgmax\" not allowlisted"),
                admission.check(withSysctl("kernel.msgmax", false, false)));
        assertEquals(new PodAdmission.Rejection("SysctlForbidden",
                        "forbidden sysctl: \"net.ipv4.tcp_syncookies\" not allowed with host net enabled"),
                admission.check(withSysctl("net.ipv4.tcp_syncookies", true, false)));
        assertEquals(new PodAdmission.Rejection("SysctlForbidden",
                        "forbidden sysctl: \"kernel.shm_rmid_forced\" not allowed with host ipc enabled"),
                admission.check(withSysctl("kernel.shm_rmid_forced", false, true)));
    }

    @Test
    void slashSeparatedSysctlNamesAreReadAsKubernetesDoes() {
        assertEquals("net.ipv4.ip_local_port_range", PodAdmission.dotted("net/ipv4/ip_local_port_range"));
        assertEquals("net.ipv4.conf.eno2/100.rp_filter", PodAdmission.dotted("net/ipv4/conf/eno2.100/rp_filter"));
        assertEquals("kernel.shm_rmid_forced", PodAdmission.dotted("kernel.shm_rmid_forced"));
        assertEquals(Map.of("net.ipv4.ip_local_port_range", "1"),
                PodAdmission.sysctls(withSysctl("net/ipv4/ip_local_port_range", false, false)));
    }

    @Test
    void appArmorOnAHostWithoutItRejectsThePodUnlessEveryProfileIsUnconfined() {
        Pod runtimeDefault = new PodBuilder().withNewMetadata().withName("p").withNamespace("d").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").withNewSecurityContext()
                .withNewAppArmorProfile().withType("RuntimeDefault").endAppArmorProfile().endSecurityContext()
                .endContainer().endSpec().build();
        assertEquals(new PodAdmission.Rejection("AppArmor", "Cannot enforce AppArmor: AppArmor is not enabled on the host"),
                new PodAdmission(() -> false).check(runtimeDefault));
        assertNull(new PodAdmission(() -> true).check(runtimeDefault));
        Pod unconfined = new PodBuilder(runtimeDefault).editSpec().editFirstContainer().editSecurityContext()
                .editAppArmorProfile().withType("Unconfined").endAppArmorProfile().endSecurityContext().endContainer()
                .endSpec().build();
        assertNull(new PodAdmission(() -> false).check(unconfined));
        Pod annotated = new PodBuilder(unconfined).editMetadata()
                .addToAnnotations("container.apparmor.security.beta.kubernetes.io/c", "runtime/default").endMetadata().build();
        assertEquals("AppArmor", new PodAdmission(() -> false).check(annotated).reason());
    }
}
