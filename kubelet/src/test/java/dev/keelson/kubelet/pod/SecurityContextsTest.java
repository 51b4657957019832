package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import dev.keelson.kubelet.runtime.SecurityConfig;
import dev.keelson.kubelet.runtime.SecurityConfig.Profile;
import dev.keelson.kubelet.runtime.SecurityConfig.ProfileType;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityContextsTest {
    @TempDir
    Path root;

    private SecurityContexts contexts(Map<String, String> imageUsers, boolean appArmor) {
        return new SecurityContexts(root.resolve("seccomp"), appArmor, image -> {
            if (!imageUsers.containsKey(image)) {
                throw new AssertionError("image user of " + image + " asked for");
            }
            return imageUsers.get(image);
        });
    }

    private static PodBuilder pod() {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("shop").withUid("u-1").endMetadata()
                .withNewSpec().endSpec();
    }

    private static Container container(SecurityContextBuilder sc) {
        return new ContainerBuilder().withName("app").withImage("busybox:1.35").withSecurityContext(sc.build()).build();
    }

    @Test
    void restrictedProfileBecomesNoNewPrivilegesDropAllRuntimeDefaultSeccompAndTheUser() {
        Pod pod = pod().editSpec().withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true)
                .withRunAsUser(1000L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
                .endSpec().build();
        Container c = container(new SecurityContextBuilder().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities());
        SecurityConfig s = contexts(Map.of(), false).of(pod, c, "busybox:1.35");
        assertTrue(s.noNewPrivileges());
        assertEquals(List.of("ALL"), s.capDrop());
        assertEquals(Profile.RUNTIME_DEFAULT, s.seccomp());
        assertEquals("1000", s.user());
        assertNull(s.appArmor(), "no AppArmor on this host: nothing to apply");
    }

    @Test
    void containerFieldsWinOverThePodsAndGroupsComeFromFsGroupThenSupplementalGroups() {
        Pod pod = pod().editSpec().withSecurityContext(new PodSecurityContextBuilder().withRunAsUser(1000L)
                .withRunAsGroup(3000L).withFsGroup(2000L).withSupplementalGroups(4000L, 2000L)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build()).endSpec().build();
        Container c = container(new SecurityContextBuilder().withRunAsUser(1001L)
                .withNewSeccompProfile().withType("Unconfined").endSeccompProfile());
        SecurityConfig s = contexts(Map.of(), false).of(pod, c, "busybox:1.35");
        assertEquals("1001:3000", s.user());
        assertEquals(List.of(2000L, 4000L), s.groupAdd());
        assertEquals(Profile.UNCONFINED, s.seccomp());
        assertFalse(s.noNewPrivileges(), "allowPrivilegeEscalation unset keeps privilege escalation possible");
    }

    @Test
    void withoutAProfileSeccompIsUnconfinedAsTheKubeletsDefault() {
        SecurityConfig s = contexts(Map.of(), false).of(pod().build(), container(new SecurityContextBuilder()), "busybox:1.35");
        assertEquals(Profile.UNCONFINED, s.seccomp());
        assertEquals(List.of(), s.groupAdd());
        assertNull(s.user());
    }

    @Test
    void runAsNonRootRefusesAnImageThatRunsAsRootWithKubernetesMessage() {
        Pod pod = pod().editSpec().withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).build())
                .endSpec().build();
        ContainerConfigException e = assertThrows(ContainerConfigException.class,
                () -> contexts(Map.of("nginx:1.27", ""), false).of(pod, container(new SecurityContextBuilder()), "nginx:1.27"));
        assertEquals("container has runAsNonRoot and image will run as root (pod: \"web_shop(u-1)\", container: app)",
                e.getMessage());
        assertEquals("CreateContainerConfigError", e.reason());
        e = assertThrows(ContainerConfigException.class,
                () -> contexts(Map.of("img:1", "0:0"), false).of(pod, container(new SecurityContextBuilder()), "img:1"));
        assertTrue(e.getMessage().startsWith("container has runAsNonRoot and image will run as root"), e.getMessage());
    }

    @Test
    void runAsNonRootRefusesANonNumericImageUserAndRunAsUserZero() {
        Pod pod = pod().build();
        Container named = container(new SecurityContextBuilder().withRunAsNonRoot(true));
        ContainerConfigException e = assertThrows(ContainerConfigException.class,
                () -> contexts(Map.of("img:1", "www-data:www-data"), false).of(pod, named, "img:1"));
        assertEquals("container has runAsNonRoot and image has non-numeric user (www-data), cannot verify user is non-root"
                + " (pod: \"web_shop(u-1)\", container: app)", e.getMessage());
        Container zero = container(new SecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(0L));
        e = assertThrows(ContainerConfigException.class, () -> contexts(Map.of(), false).of(pod, zero, "img:1"));
        assertEquals("container's runAsUser breaks non-root policy (pod: \"web_shop(u-1)\", container: app)", e.getMessage());
    }

    @Test
    void runAsNonRootAcceptsANumericNonRootImageUserOrAnExplicitUser() {
        Pod pod = pod().build();
        Container c = container(new SecurityContextBuilder().withRunAsNonRoot(true));
        assertNull(contexts(Map.of("img:1", "65534:65534"), false).of(pod, c, "img:1").user(), "the image's user runs");
        Container explicit = container(new SecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(1000L));
        assertEquals("1000", contexts(Map.of(), false).of(pod, explicit, "img:1").user(),
                "an explicit non-zero runAsUser needs no look at the image");
    }

    @Test
    void localhostSeccompProfileIsReadFromTheKubeletsSeccompDirectory() throws Exception {
        Files.createDirectories(root.resolve("seccomp/profiles"));
        String json = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}";
        Files.writeString(root.resolve("seccomp/profiles/allow.json"), json);
        Container c = container(new SecurityContextBuilder().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("profiles/allow.json").endSeccompProfile());
        SecurityConfig s = contexts(Map.of(), false).of(pod().build(), c, "busybox:1.35");
        assertEquals(new Profile(ProfileType.LOCALHOST, json), s.seccomp());
    }

    @Test
    void missingOrEscapingLocalhostSeccompProfileIsACreateContainerError() {
        Container missing = container(new SecurityContextBuilder().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("profiles/none.json").endSeccompProfile());
        ContainerConfigException e = assertThrows(ContainerConfigException.class,
                () -> contexts(Map.of(), false).of(pod().build(), missing, "busybox:1.35"));
        assertEquals("CreateContainerError", e.reason());
        assertEquals("cannot load seccomp profile \"" + root.resolve("seccomp/profiles/none.json")
                + "\": no such file or directory", e.getMessage());
        Container escaping = container(new SecurityContextBuilder().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("../../etc/passwd").endSeccompProfile());
        e = assertThrows(ContainerConfigException.class,
                () -> contexts(Map.of(), false).of(pod().build(), escaping, "busybox:1.35"));
        assertTrue(e.getMessage().contains("must be a file under the kubelet's seccomp directory"), e.getMessage());
    }

    @Test
    void appArmorProfilesApplyOnlyWhereTheHostHasAppArmor() {
        Pod pod = pod().editSpec().withSecurityContext(new PodSecurityContextBuilder().withNewAppArmorProfile()
                .withType("Localhost").withLocalhostProfile("k8s-deny-write").endAppArmorProfile().build()).endSpec().build();
        Container unconfined = container(new SecurityContextBuilder().withNewAppArmorProfile().withType("Unconfined")
                .endAppArmorProfile());
        assertEquals(new Profile(ProfileType.LOCALHOST, "k8s-deny-write"),
                contexts(Map.of(), true).of(pod, container(new SecurityContextBuilder()), "busybox:1.35").appArmor());
        assertEquals(Profile.UNCONFINED, contexts(Map.of(), true).of(pod, unconfined, "busybox:1.35").appArmor());
        assertEquals(Profile.RUNTIME_DEFAULT,
                contexts(Map.of(), true).of(pod().build(), container(new SecurityContextBuilder()), "busybox:1.35").appArmor());
    }

    @Test
    void procMountUnmaskedNeedsHostUsersFalse() {
        Container c = container(new SecurityContextBuilder().withProcMount("Unmasked"));
        ContainerConfigException e = assertThrows(ContainerConfigException.class,
                () -> contexts(Map.of(), false).of(pod().build(), c, "busybox:1.35"));
        assertEquals("procMount \"Unmasked\": `hostUsers` must be false to use `Unmasked`", e.getMessage());
        Container d = container(new SecurityContextBuilder().withProcMount("Default"));
        assertEquals(Profile.UNCONFINED, contexts(Map.of(), false).of(pod().build(), d, "busybox:1.35").seccomp());
    }
}
