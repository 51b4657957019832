package dev.keelson.kubelet.e2e;

import static dev.keelson.kubelet.e2e.KubeletHarness.await;
import static dev.keelson.kubelet.e2e.KubeletHarness.httpGet;
import static dev.keelson.kubelet.e2e.KubeletHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.kubelet.pod.PodStartTraces;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods on a real Docker Engine through a real apiserver: networking, config, restarts, probes, deletion. */
class KubeletPodLifecycleTest {
    private static final String NS = "kubelet-it";
    private static KubeletHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new KubeletHarness("kubelet-pods");
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

    private static String podIp(Pod p) {
        return p.getStatus().getPodIP();
    }

    private static ContainerStatus status(Pod p, String container) {
        return KubeletHarness.containerStatus(p, container);
    }

    @Test
    void podAnswersHttpOnItsPodIp() {
        h.create(pod("web").withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "web", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        assertEquals("Running", p.getStatus().getPhase());
        assertTrue(podIp(p).startsWith(h.podCidr.substring(0, h.podCidr.lastIndexOf('.'))), "pod IP " + podIp(p)
                + " in " + h.podCidr);
        assertEquals(h.kubelet.nodeIp(), p.getStatus().getHostIP());
        ContainerStatus cs = status(p, "nginx");
        assertTrue(cs.getContainerID().startsWith("docker://"), cs.getContainerID());
        assertTrue(cs.getImageID().startsWith("docker://sha256:"), cs.getImageID());
        assertEquals(0, cs.getRestartCount());
        String answer = await("HTTP answer from " + podIp(p), Duration.ofSeconds(20), () -> httpGet("http://" + podIp(p) + "/"),
                s -> s.startsWith("200 "));
        assertTrue(answer.contains("Welcome to nginx"), answer);
    }

    @Test
    void firstStatusTheKubeletWritesForAPodWithoutProbesAlreadySaysReadyAndItsStartIsTracedByStage() {
        List<Pod> versions = new CopyOnWriteArrayList<>();
        try (Watch w = h.client.pods().inNamespace(NS).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (pod.getMetadata().getName().equals("quick")) {
                    versions.add(pod);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            h.create(pod("quick").withNewSpec().addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer()
                    .endSpec().build());
            await("the watch to deliver quick as Ready", Duration.ofSeconds(60),
                    () -> versions.stream().anyMatch(KubeletHarness::ready), b -> b);
        }
        // The apiserver sets PodScheduled on create; the kubelet's writes are the ones with a Ready condition.
        Pod firstFromKubelet = versions.stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType())))
                .findFirst().orElseThrow();
        assertTrue(ready(firstFromKubelet), "first status from the kubelet: " + firstFromKubelet.getStatus());
        assertNotNull(firstFromKubelet.getStatus().getPodIP());

        PodStartTraces.Trace trace = await("start trace of quick", Duration.ofSeconds(10),
                () -> h.kubelet.startTraces().recent().stream().filter(t -> t.name().equals("quick")).findFirst()
                        .orElse(null), t -> t != null);
        List<String> stages = trace.spans().stream().map(PodStartTraces.Span::stage).toList();
        assertTrue(stages.containsAll(List.of("queue", "sandbox_create", "sandbox_start", "sandbox_inspect", "create",
                "start", "inspect", "status_write")), "stages " + stages);
        assertFalse(stages.contains("list"), "a pod this kubelet never ran has no containers to list: " + stages);
        for (PodStartTraces.Span s : trace.spans()) {
            assertTrue(s.startNanos() >= trace.seenNanos() && s.endNanos() >= s.startNanos(), "span " + s);
        }
        assertTrue(h.kubelet.metrics().find("kubelet_pod_start_stage_seconds").tag("stage", "sandbox_start").timer()
                .count() >= 1);
    }

    @Test
    void twoContainersInOnePodShareLocalhost() {
        h.create(pod("pair").withNewSpec()
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer()
                .addNewContainer().withName("client").withImage("busybox:1.35").withCommand("sleep", "3600")
                .withNewReadinessProbe().withNewExec().withCommand("wget", "-q", "-O", "/dev/null", "http://127.0.0.1:80/")
                .endExec().withPeriodSeconds(1).endReadinessProbe().endContainer()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "pair", "Ready (the client container reached nginx on localhost)", Duration.ofSeconds(60),
                KubeletHarness::ready);
        assertEquals(Boolean.TRUE, status(p, "client").getReady());
    }

    @Test
    void envAndConfigMapVolumeReachTheContainer() {
        h.client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("site").endMetadata()
                .addToData("app.conf", "color=blue\n").addToData("GREETING", "hello").build()).create();
        h.create(pod("configured").withNewSpec().addNewContainer().withName("httpd").withImage("busybox:1.35")
                .withCommand("sh", "-c", "mkdir -p /tmp/www && echo \"$GREETING from $POD_NAME in $POD_NS, $LITERAL\" > /tmp/www/env.txt"
                        + " && cp /config/app.conf /tmp/www/ && exec httpd -f -p 8080 -h /tmp/www")
                .addNewEnv().withName("GREETING").withNewValueFrom().withNewConfigMapKeyRef("GREETING", "site", false)
                .endValueFrom().endEnv()
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name").endFieldRef()
                .endValueFrom().endEnv()
                .addNewEnv().withName("POD_NS").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("LITERAL").withValue("plain").endEnv()
                .addNewVolumeMount().withName("config").withMountPath("/config").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("config").withNewConfigMap().withName("site").endConfigMap().endVolume()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "configured", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        String env = await("env.txt", Duration.ofSeconds(20), () -> httpGet("http://" + podIp(p) + ":8080/env.txt"),
                s -> s.startsWith("200 "));
        assertEquals("200 hello from configured in kubelet-it, plain\n", env);
        assertEquals("200 color=blue\n", httpGet("http://" + podIp(p) + ":8080/app.conf"));
    }

    @Test
    void exitingContainerIsRestartedWithGrowingBackoffAndLastState() {
        h.create(pod("crasher").withNewSpec().addNewContainer().withName("app").withImage("busybox:1.35")
                .withCommand("sh", "-c", "echo crashing; echo goodbye > /dev/termination-log; exit 3").endContainer().endSpec().build());
        // restartCount n -> when attempt n started (from lastState while the container waits in back-off).
        Map<Integer, Instant> starts = new TreeMap<>();
        List<String> reasons = new ArrayList<>();
        Pod last = await("three restarts of crasher", Duration.ofSeconds(90), () -> {
            Pod p = h.pod(NS, "crasher");
            ContainerStatus cs = status(p, "app");
            if (cs != null && cs.getLastState() != null && cs.getLastState().getTerminated() != null) {
                if (cs.getState().getWaiting() != null) {
                    reasons.add(cs.getState().getWaiting().getReason());
                    starts.putIfAbsent(cs.getRestartCount(), Instant.parse(cs.getLastState().getTerminated().getStartedAt()));
                }
            }
            return p;
        }, p -> starts.size() >= 3 && starts.containsKey(1) && starts.containsKey(2) && starts.containsKey(3));
        ContainerStatus cs = status(last, "app");
        assertEquals(3, cs.getLastState().getTerminated().getExitCode());
        assertEquals("Error", cs.getLastState().getTerminated().getReason());
        assertEquals("goodbye\n", cs.getLastState().getTerminated().getMessage(), "terminationMessagePath content");
        assertNotNull(cs.getLastState().getTerminated().getFinishedAt());
        assertTrue(reasons.contains("CrashLoopBackOff"), "waiting reasons seen: " + reasons);
        Duration first = Duration.between(starts.get(1), starts.get(2));
        Duration second = Duration.between(starts.get(2), starts.get(3));
        assertTrue(first.toSeconds() >= 9, "back-off before the 2nd restart: " + first);
        assertTrue(second.compareTo(first) > 0, "back-off grows: " + first + " then " + second);
        assertEquals("Running", last.getStatus().getPhase());
        assertEquals("200 crashing\n", httpGet("http://127.0.0.1:" + h.kubelet.port() + "/containerLogs/" + NS
                + "/crasher/app?previous=true"), "logs of the previous attempt");
    }

    @Test
    void failingReadinessProbeFlipsReady() {
        h.create(pod("flaky").withNewSpec().addNewContainer().withName("httpd").withImage("busybox:1.35")
                .withCommand("sh", "-c", "mkdir -p /tmp/www && touch /tmp/www/ready && httpd -p 8080 -h /tmp/www"
                        + " && sleep 6 && rm /tmp/www/ready && sleep 3600")
                .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withNewPort(8080).endHttpGet()
                .withPeriodSeconds(1).withFailureThreshold(1).endReadinessProbe()
                .endContainer().endSpec().build());
        h.awaitPod(NS, "flaky", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        Pod notReady = h.awaitPod(NS, "flaky", "not Ready after the ready file is gone", Duration.ofSeconds(60),
                p -> !ready(p));
        assertEquals("Running", notReady.getStatus().getPhase());
        assertEquals(Boolean.FALSE, status(notReady, "httpd").getReady());
        assertEquals(0, status(notReady, "httpd").getRestartCount());
    }

    @Test
    void gracefulDeletionHonoursTheGracePeriod() throws Exception {
        Path marks = Files.createTempDirectory(h.rootDir, "marks");
        String script = "trap 'echo term >> /marks/$NAME; sleep 3; echo done >> /marks/$NAME; exit 0' TERM;"
                + " while true; do sleep 0.2; done";
        for (String[] spec : new String[][] {{"patient", "20"}, {"hasty", "1"}, {"hooked", "20"}}) {
            var lifecycle = spec[0].equals("hooked") ? new io.fabric8.kubernetes.api.model.LifecycleBuilder()
                    .withNewPreStop().withNewExec().withCommand("sh", "-c", "echo prestop >> /marks/hooked").endExec()
                    .endPreStop().build() : null;
            h.create(pod(spec[0]).withNewSpec().withTerminationGracePeriodSeconds(Long.parseLong(spec[1]))
                    .addNewContainer().withName("app").withImage("busybox:1.35").withCommand("sh", "-c", script)
                    .withLifecycle(lifecycle)
                    .addNewEnv().withName("NAME").withValue(spec[0]).endEnv()
                    .addNewVolumeMount().withName("marks").withMountPath("/marks").endVolumeMount().endContainer()
                    .addNewVolume().withName("marks").withNewHostPath().withPath(marks.toString()).endHostPath().endVolume()
                    .endSpec().build());
        }
        h.awaitPod(NS, "patient", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        h.awaitPod(NS, "hasty", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        h.awaitPod(NS, "hooked", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        for (String name : List.of("patient", "hasty", "hooked")) {
            h.client.pods().inNamespace(NS).withName(name).delete();
        }
        await("the pods gone from the API", Duration.ofSeconds(60),
                () -> List.of(String.valueOf(h.pod(NS, "patient")), String.valueOf(h.pod(NS, "hasty")),
                        String.valueOf(h.pod(NS, "hooked"))),
                l -> l.equals(List.of("null", "null", "null")));
        assertEquals("term\ndone\n", Files.readString(marks.resolve("patient")), "20 s grace: the TERM handler finished");
        assertEquals("term\n", Files.readString(marks.resolve("hasty")), "1 s grace: killed inside its TERM handler");
        assertEquals("prestop\nterm\ndone\n", Files.readString(marks.resolve("hooked")), "preStop hook runs before SIGTERM");
        await("containers of deleted pods removed", Duration.ofSeconds(30), () -> h.nodeContainers().stream()
                .filter(c -> c.getNames()[0].contains("_patient_") || c.getNames()[0].contains("_hasty_")
                        || c.getNames()[0].contains("_hooked_")).count(), n -> n == 0);
    }

    @Test
    void preStopSleepDelaysSigtermByItsSeconds() throws Exception {
        Path marks = Files.createTempDirectory(h.rootDir, "marks");
        String script = "trap 'date +%s > /marks/term; exit 0' TERM; while true; do sleep 0.2; done";
        h.create(pod("sleeper").withNewSpec().withTerminationGracePeriodSeconds(30L)
                .addNewContainer().withName("app").withImage("busybox:1.35").withCommand("sh", "-c", script)
                .withNewLifecycle().withNewPreStop().withNewSleep().withSeconds(3L).endSleep().endPreStop().endLifecycle()
                .addNewVolumeMount().withName("marks").withMountPath("/marks").endVolumeMount().endContainer()
                .addNewVolume().withName("marks").withNewHostPath().withPath(marks.toString()).endHostPath().endVolume()
                .endSpec().build());
        h.awaitPod(NS, "sleeper", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        long deletedAt = java.time.Instant.now().getEpochSecond();
        h.client.pods().inNamespace(NS).withName("sleeper").delete();
        await("the pod gone from the API", Duration.ofSeconds(60), () -> String.valueOf(h.pod(NS, "sleeper")),
                v -> v.equals("null"));
        long termAt = Long.parseLong(Files.readString(marks.resolve("term")).trim());
        // the container gets SIGTERM only after the 3 s sleep (whole seconds on both clocks: at least 2 apart)
        assertTrue(termAt - deletedAt >= 2, "SIGTERM " + (termAt - deletedAt) + " s after the delete");
    }

    @Test
    void missingImageGivesErrImagePullThenImagePullBackOff() {
        h.create(pod("ghost").withNewSpec().addNewContainer().withName("app").withImage("127.0.0.1:1/keelson/missing:v1")
                .endContainer().endSpec().build());
        List<String> reasons = new ArrayList<>();
        Pod p = await("ErrImagePull then ImagePullBackOff", Duration.ofSeconds(60), () -> {
            Pod pod = h.pod(NS, "ghost");
            ContainerStatus cs = status(pod, "app");
            if (cs != null && cs.getState().getWaiting() != null) {
                String r = cs.getState().getWaiting().getReason();
                if (reasons.isEmpty() || !reasons.get(reasons.size() - 1).equals(r)) {
                    reasons.add(r);
                }
            }
            return pod;
        }, pod -> reasons.contains("ImagePullBackOff"));
        // ErrImagePull lasts only until the first back-off, so polling may miss it; the Failed event records it
        String message = status(p, "app").getState().getWaiting().getMessage();
        assertTrue(message.contains("127.0.0.1:1"), "the registry's error is in the message: " + message);
        assertEquals("Pending", p.getStatus().getPhase());
        var events = h.client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> "ghost".equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
        assertTrue(events.contains("Pulling") && events.contains("Failed"), "events: " + events);
    }

    @Test
    void failingLivenessProbeRestartsTheContainerWithAnUnhealthyEvent() {
        h.create(pod("sickly").withNewSpec().addNewContainer().withName("httpd").withImage("busybox:1.35")
                .withCommand("sh", "-c", "mkdir -p /tmp/www && touch /tmp/www/healthz && httpd -p 8080 -h /tmp/www"
                        + " && sleep 4 && rm /tmp/www/healthz && sleep 3600")
                .withNewLivenessProbe().withNewHttpGet().withPath("/healthz").withNewPort(8080).endHttpGet()
                .withPeriodSeconds(1).withFailureThreshold(2).endLivenessProbe()
                .endContainer().endSpec().build());
        Pod p = h.awaitPod(NS, "sickly", "restarted after failing liveness", Duration.ofSeconds(60),
                pod -> status(pod, "httpd") != null && status(pod, "httpd").getRestartCount() >= 1);
        ContainerStatus cs = status(p, "httpd");
        assertNotNull(cs.getLastState().getTerminated(), "lastState after a liveness kill: " + cs.getLastState());
        var reasons = await("Unhealthy and Killing events", Duration.ofSeconds(20),
                () -> h.client.v1().events().inNamespace(NS).list().getItems().stream()
                        .filter(e -> "sickly".equals(e.getInvolvedObject().getName()))
                        .map(e -> e.getReason() + ": " + e.getMessage()).toList(),
                l -> l.stream().anyMatch(r -> r.startsWith("Unhealthy: Liveness probe failed"))
                        && l.stream().anyMatch(r -> r.startsWith("Killing: Container httpd failed liveness probe")));
        assertTrue(reasons.stream().anyMatch(r -> r.contains("statuscode: 404")), "events: " + reasons);
    }

    @Test
    void initContainersRunInOrderBeforeTheAppContainers() {
        h.create(pod("staged").withNewSpec()
                .addNewInitContainer().withName("first").withImage("busybox:1.35")
                .withCommand("sh", "-c", "echo one >> /work/log").addNewVolumeMount().withName("work").withMountPath("/work")
                .endVolumeMount().endInitContainer()
                .addNewInitContainer().withName("second").withImage("busybox:1.35")
                .withCommand("sh", "-c", "sleep 1; echo two >> /work/log").addNewVolumeMount().withName("work")
                .withMountPath("/work").endVolumeMount().endInitContainer()
                .addNewContainer().withName("httpd").withImage("busybox:1.35")
                .withCommand("sh", "-c", "echo app >> /work/log && exec httpd -f -p 8080 -h /work")
                .addNewVolumeMount().withName("work").withMountPath("/work").endVolumeMount().endContainer()
                .addNewVolume().withName("work").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "staged", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        String log = await("log written by the init containers", Duration.ofSeconds(20),
                () -> httpGet("http://" + podIp(p) + ":8080/log"), s -> s.startsWith("200 "));
        assertEquals("200 one\ntwo\napp\n", log);
        for (var s : p.getStatus().getInitContainerStatuses()) {
            assertEquals("Completed", s.getState().getTerminated().getReason(), s.getName());
        }
        assertTrue(p.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Initialized")
                && c.getStatus().equals("True")));
    }

    @Test
    void secretVolumeIsReadOnlyAndFollowsSecretUpdates() {
        h.client.secrets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata().withName("token").endMetadata().addToStringData("token", "v1").build()).create();
        h.create(pod("vault").withNewSpec().addNewContainer().withName("httpd").withImage("busybox:1.35")
                .withCommand("sh", "-c", "mkdir -p /tmp/www; (touch /secret/x 2>/dev/null && echo writable || echo read-only)"
                        + " > /tmp/www/mode; httpd -p 8080 -h /tmp/www;"
                        + " while true; do cp /secret/token /tmp/www/token; sleep 0.5; done")
                .addNewVolumeMount().withName("secret").withMountPath("/secret").endVolumeMount().endContainer()
                .addNewVolume().withName("secret").withNewSecret().withSecretName("token").endSecret().endVolume()
                .endSpec().build());
        Pod p = h.awaitPod(NS, "vault", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        await("token v1", Duration.ofSeconds(20), () -> httpGet("http://" + podIp(p) + ":8080/token"), "200 v1"::equals);
        assertEquals("200 read-only\n", httpGet("http://" + podIp(p) + ":8080/mode"));
        h.client.secrets().inNamespace(NS).withName("token").edit(s -> new io.fabric8.kubernetes.api.model.SecretBuilder(s)
                .withData(Map.of("token", java.util.Base64.getEncoder().encodeToString("v2".getBytes()))).build());
        await("token v2 after the Secret changed", Duration.ofSeconds(40),
                () -> httpGet("http://" + podIp(p) + ":8080/token"), "200 v2"::equals);
    }

    @Test
    void resourcesAndSecurityContextBecomeDockerSettings() {
        Pod created = h.create(pod("limited").withNewSpec().addNewContainer().withName("app").withImage("busybox:1.35")
                .withCommand("sleep", "3600")
                .withNewResources().addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("64Mi"))
                .addToLimits("cpu", new io.fabric8.kubernetes.api.model.Quantity("500m"))
                .addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("250m")).endResources()
                .withNewSecurityContext().withRunAsUser(65534L).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("NET_RAW").endCapabilities().endSecurityContext()
                .endContainer().endSpec().build());
        Pod p = h.awaitPod(NS, "limited", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        String id = status(p, "app").getContainerID().substring("docker://".length());
        var inspect = h.docker.inspectContainerCmd(id).exec();
        var host = inspect.getHostConfig();
        assertEquals(64L * 1024 * 1024, host.getMemory());
        assertEquals(100_000L, host.getCpuPeriod());
        assertEquals(50_000L, host.getCpuQuota());
        assertEquals(256, host.getCpuShares());
        assertEquals(Boolean.TRUE, host.getReadonlyRootfs());
        assertEquals("65534", inspect.getConfig().getUser());
        assertTrue(java.util.Arrays.toString(host.getCapDrop()).contains("NET_RAW"), java.util.Arrays.toString(host.getCapDrop()));
        assertEquals(created.getMetadata().getUid(), inspect.getConfig().getLabels().get("io.kubernetes.pod.uid"));
    }
}
