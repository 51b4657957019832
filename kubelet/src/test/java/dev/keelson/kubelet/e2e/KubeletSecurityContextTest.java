package dev.keelson.kubelet.e2e;

import static dev.keelson.kubelet.e2e.KubeletHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Frame;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SysctlBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pods' security contexts on a real Docker Engine: what the kubelet asked Docker for (docker inspect) and what the
 * process inside got (/proc/1/status), and the pods it refuses to start with Kubernetes' reasons.
 */
class KubeletSecurityContextTest {
    private static final String NS = "kubelet-security";
    private static KubeletHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new KubeletHarness("kubelet-sec");
        h.createNamespace(NS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private static PodBuilder pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata();
    }

    private static ContainerStatus status(Pod p, String container) {
        return KubeletHarness.containerStatus(p, container);
    }

    private static InspectContainerResponse inspect(Pod p, String container) {
        return h.docker.inspectContainerCmd(status(p, container).getContainerID().substring("docker://".length())).exec();
    }

    /** Runs a command in the container through Docker and returns its output. */
    private static String exec(String containerId, String... command) throws InterruptedException {
        String execId = h.docker.execCreateCmd(containerId).withCmd(command).withAttachStdout(true).withAttachStderr(true)
                .exec().getId();
        StringBuilder out = new StringBuilder();
        h.docker.execStartCmd(execId).exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                synchronized (out) {
                    out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                }
            }
        }).awaitCompletion(10, TimeUnit.SECONDS);
        synchronized (out) {
            return out.toString();
        }
    }

    private static String statusLine(String procStatus, String field) {
        return procStatus.lines().filter(l -> l.startsWith(field + ":")).findFirst().orElse(field + ": (missing)")
                .replaceAll("\\s+", " ");
    }

    private static List<String> events(String podName) {
        return h.client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> podName.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

    @Test
    void podOfTheRestrictedProfileRunsRestrictedInDocker() throws Exception {
        Pod created = h.create(pod("restricted").withNewSpec()
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(1000L)
                        .withRunAsGroup(1000L).withFsGroup(2000L).withSupplementalGroups(3000L)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .withSysctls(new SysctlBuilder().withName("net.ipv4.ip_unprivileged_port_start").withValue("80").build())
                        .build())
                .addNewContainer().withName("app").withImage("busybox:1.35").withCommand("sleep", "3600")
                .withNewSecurityContext().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("data").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "restricted", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);

        InspectContainerResponse app = inspect(p, "app");
        assertEquals("1000:1000", app.getConfig().getUser());
        assertEquals("[ALL]", Arrays.toString(app.getHostConfig().getCapDrop()));
        List<String> securityOpt = app.getHostConfig().getSecurityOpts();
        assertTrue(securityOpt != null && securityOpt.contains("no-new-privileges"), "SecurityOpt " + securityOpt);
        assertFalse(securityOpt.stream().anyMatch(o -> o.startsWith("seccomp=unconfined")), "SecurityOpt " + securityOpt);
        assertEquals(List.of("2000", "3000"), app.getHostConfig().getGroupAdd());

        String proc = exec(app.getId(), "cat", "/proc/1/status");
        assertEquals("Seccomp: 2", statusLine(proc, "Seccomp"), "RuntimeDefault is Docker's filter profile");
        assertEquals("NoNewPrivs: 1", statusLine(proc, "NoNewPrivs"));
        assertEquals("CapEff: 0000000000000000", statusLine(proc, "CapEff"));
        assertEquals("uid=1000 gid=1000 groups=1000,2000,3000", exec(app.getId(), "id").trim(),
                "runAsGroup, then fsGroup and supplementalGroups, as Kubernetes' own example shows them");
        assertEquals("80", exec(app.getId(), "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start").trim(),
                "the pod's safe sysctl, set on its sandbox");

        assertEquals("2000", exec(app.getId(), "stat", "-c", "%g", "/data").trim(), "the emptyDir belongs to fsGroup");
        exec(app.getId(), "sh", "-c", "echo hi > /data/f");
        assertEquals("2000", exec(app.getId(), "stat", "-c", "%g", "/data/f").trim(), "setgid: new files inherit fsGroup");
        Path onHost = h.rootDir.resolve("pods").resolve(created.getMetadata().getUid()).resolve("volumes/empty-dir/data");
        int mode = (int) Files.getAttribute(onHost, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        assertEquals(02000, mode & 02000, "setgid on " + onHost + ": " + Integer.toOctalString(mode));
    }

    @Test
    void podWithoutASeccompProfileRunsUnconfinedAsKubernetesDefaults() throws Exception {
        h.create(pod("plain").withNewSpec().addNewContainer().withName("app").withImage("busybox:1.35")
                .withCommand("sleep", "3600").endContainer().endSpec().build());
        Pod p = h.awaitPod(NS, "plain", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        InspectContainerResponse app = inspect(p, "app");
        assertEquals(List.of("seccomp=unconfined"), app.getHostConfig().getSecurityOpts());
        assertEquals("Seccomp: 0", statusLine(exec(app.getId(), "cat", "/proc/1/status"), "Seccomp"));
    }

    @Test
    void runAsNonRootWithAnImageThatRunsAsRootIsNotStarted() {
        Pod created = h.create(pod("rooted").withNewSpec().withNewSecurityContext().withRunAsNonRoot(true).endSecurityContext()
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer().endSpec().build());
        String expected = "container has runAsNonRoot and image will run as root (pod: \"rooted_" + NS + "("
                + created.getMetadata().getUid() + ")\", container: nginx)";
        Pod p = h.awaitPod(NS, "rooted", "waiting with CreateContainerConfigError", Duration.ofSeconds(60),
                pod -> status(pod, "nginx") != null && status(pod, "nginx").getState().getWaiting() != null
                        && "CreateContainerConfigError".equals(status(pod, "nginx").getState().getWaiting().getReason()));
        assertEquals(expected, status(p, "nginx").getState().getWaiting().getMessage());
        await("the Failed event", Duration.ofSeconds(20), () -> events("rooted"), l -> l.contains("Failed: Error: " + expected));
        assertTrue(h.nodeContainers().stream().noneMatch(c -> "nginx".equals(c.getLabels().get("io.kubernetes.container.name"))
                && created.getMetadata().getUid().equals(c.getLabels().get("io.kubernetes.pod.uid"))),
                "no nginx container was created");
    }

    @Test
    void unsafeSysctlRejectsThePodAsSysctlForbidden() {
        Pod created = h.create(pod("unsafe-sysctl").withNewSpec().withNewSecurityContext()
                .withSysctls(new SysctlBuilder().withName("kernel.msgmax").withValue("65536").build()).endSecurityContext()
                .addNewContainer().withName("app").withImage("busybox:1.35").withCommand("sleep", "3600").endContainer()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "unsafe-sysctl", "Failed", Duration.ofSeconds(60),
                pod -> pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase()));
        assertEquals("SysctlForbidden", p.getStatus().getReason());
        assertEquals("Pod was rejected: forbidden sysctl: \"kernel.msgmax\" not allowlisted", p.getStatus().getMessage());
        await("the SysctlForbidden event", Duration.ofSeconds(20), () -> events("unsafe-sysctl"),
                l -> l.contains("SysctlForbidden: forbidden sysctl: \"kernel.msgmax\" not allowlisted"));
        assertTrue(h.nodeContainers().stream().noneMatch(c -> created.getMetadata().getUid()
                .equals(c.getLabels().get("io.kubernetes.pod.uid"))), "nothing of a rejected pod runs");
    }

    @Test
    void appArmorProfileRunsWhereTheHostHasAppArmorAndIsRejectedWhereItDoesNot() throws Exception {
        boolean hostHasAppArmor;
        try {
            hostHasAppArmor = Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y");
        } catch (java.io.IOException e) {
            hostHasAppArmor = false;
        }
        h.create(pod("armored").withNewSpec().withNewSecurityContext().withNewAppArmorProfile().withType("RuntimeDefault")
                .endAppArmorProfile().endSecurityContext()
                .addNewContainer().withName("app").withImage("busybox:1.35").withCommand("sleep", "3600").endContainer()
                .endSpec().build());
        if (hostHasAppArmor) {
            Pod p = h.awaitPod(NS, "armored", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
            String label = exec(inspect(p, "app").getId(), "cat", "/proc/1/attr/current");
            assertTrue(label.startsWith("docker-default"), "AppArmor label " + label);
        } else {
            Pod p = h.awaitPod(NS, "armored", "Failed", Duration.ofSeconds(60),
                    pod -> pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase()));
            assertEquals("AppArmor", p.getStatus().getReason());
            assertEquals("Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host",
                    p.getStatus().getMessage());
            await("the AppArmor event", Duration.ofSeconds(20), () -> events("armored"),
                    l -> l.contains("AppArmor: Cannot enforce AppArmor: AppArmor is not enabled on the host"));
        }
    }

    @Test
    void localhostSeccompProfileComesFromTheKubeletsSeccompDirectoryOrFailsClearly() throws Exception {
        Path profiles = Files.createDirectories(h.rootDir.resolve("seccomp/profiles"));
        Files.writeString(profiles.resolve("allow.json"), "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
        h.create(pod("own-seccomp").withNewSpec().addNewContainer().withName("app").withImage("busybox:1.35")
                .withCommand("sleep", "3600").withNewSecurityContext().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("profiles/allow.json").endSeccompProfile().endSecurityContext().endContainer()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "own-seccomp", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        InspectContainerResponse app = inspect(p, "app");
        assertEquals(List.of("seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"), app.getHostConfig().getSecurityOpts());
        assertEquals("Seccomp: 2", statusLine(exec(app.getId(), "cat", "/proc/1/status"), "Seccomp"));

        h.create(pod("lost-seccomp").withNewSpec().addNewContainer().withName("app").withImage("busybox:1.35")
                .withCommand("sleep", "3600").withNewSecurityContext().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("profiles/missing.json").endSeccompProfile().endSecurityContext().endContainer()
                .endSpec().build());
        Pod lost = h.awaitPod(NS, "lost-seccomp", "waiting with CreateContainerError", Duration.ofSeconds(60),
                pod -> status(pod, "app") != null && status(pod, "app").getState().getWaiting() != null
                        && "CreateContainerError".equals(status(pod, "app").getState().getWaiting().getReason()));
        assertEquals("cannot load seccomp profile \"" + profiles.resolve("missing.json") + "\": no such file or directory",
                status(lost, "app").getState().getWaiting().getMessage());
    }

    @Test
    void hostPidAndHostIpcPodsUseTheHostsNamespaces() {
        h.create(pod("host-ns").withNewSpec().withHostPID(true).withHostIPC(true).addNewContainer().withName("app")
                .withImage("busybox:1.35").withCommand("sleep", "3600").endContainer().endSpec().build());
        Pod p = h.awaitPod(NS, "host-ns", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        InspectContainerResponse app = inspect(p, "app");
        assertEquals("host", app.getHostConfig().getPidMode());
        assertEquals("host", app.getHostConfig().getIpcMode());
    }
}
