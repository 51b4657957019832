package dev.keelson.kubelet.e2e;

import static dev.keelson.kubelet.e2e.KubeletHarness.await;
import static dev.keelson.kubelet.e2e.KubeletHarness.httpGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Node a kubelet registers, its Lease, its server (logs, exec), and adoption of pods across a kubelet restart. */
class KubeletNodeAndRestartTest {
    private static final String NS = "default";
    private static KubeletHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new KubeletHarness("kubelet-node");
    }

    @AfterAll
    static void stop() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private static long procValue(String file, String key) throws Exception {
        for (String line : Files.readAllLines(Path.of(file))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(key + " not in " + file);
    }

    @Test
    void nodeCapacityEqualsWhatTheHostHas() throws Exception {
        Node node = await("node Ready", Duration.ofSeconds(30), () -> h.client.nodes().withName(h.nodeName).get(),
                n -> n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
        long cpus = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
        long memKi = procValue("/proc/meminfo", "MemTotal:");
        var capacity = node.getStatus().getCapacity();
        assertEquals(new Quantity(Long.toString(cpus)).getNumericalAmount(), capacity.get("cpu").getNumericalAmount());
        assertEquals(memKi * 1024, Quantity.getAmountInBytes(capacity.get("memory")).longValue());
        assertEquals("110", capacity.get("pods").toString());
        long diskBytes = Files.getFileStore(h.rootDir).getTotalSpace();
        assertEquals(diskBytes / 1024 * 1024, Quantity.getAmountInBytes(capacity.get("ephemeral-storage")).longValue());
        assertNotNull(node.getStatus().getAllocatable().get("memory"));
        var labels = node.getMetadata().getLabels();
        assertEquals(h.nodeName, labels.get("kubernetes.io/hostname"));
        assertEquals("linux", labels.get("kubernetes.io/os"));
        assertEquals("amd64", labels.get("kubernetes.io/arch"));
        assertTrue(node.getStatus().getAddresses().stream().anyMatch(a -> a.getType().equals("InternalIP")
                && a.getAddress().equals(h.kubelet.nodeIp())));
        assertTrue(node.getStatus().getNodeInfo().getContainerRuntimeVersion().startsWith("docker://20."),
                node.getStatus().getNodeInfo().getContainerRuntimeVersion());
        assertEquals(h.kubelet.port(), node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort());
        for (String type : new String[] {"MemoryPressure", "DiskPressure", "PIDPressure"}) {
            assertTrue(node.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals(type)), type);
        }
        Lease lease = await("node lease", Duration.ofSeconds(30),
                () -> h.client.leases().inNamespace("kube-node-lease").withName(h.nodeName).get(), l -> l != null);
        assertEquals(h.nodeName, lease.getSpec().getHolderIdentity());
        assertNotNull(lease.getSpec().getRenewTime());
    }

    @Test
    void serverStreamsLogsAndRunsExecOverWebSocket() throws Exception {
        h.create(new PodBuilder().withNewMetadata().withName("talker").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer().endSpec().build());
        Pod p = h.awaitPod(NS, "talker", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        await("nginx answers", Duration.ofSeconds(20), () -> httpGet("http://" + p.getStatus().getPodIP() + "/from-test"),
                s -> s.startsWith("404 "));
        String base = "http://127.0.0.1:" + h.kubelet.port();
        String logs = await("access line in the container log", Duration.ofSeconds(20),
                () -> httpGet(base + "/containerLogs/" + NS + "/talker/nginx?tailLines=50"), s -> s.contains("GET /from-test"));
        assertTrue(logs.startsWith("200 "), logs);
        assertTrue(httpGet(base + "/containerLogs/" + NS + "/nobody/nginx").startsWith("404 "));
        String previous = httpGet(base + "/containerLogs/" + NS + "/talker/nginx?previous=true");
        assertTrue(previous.startsWith("400 ") && previous.contains("previous terminated container \"nginx\""), previous);

        StringBuilder stdout = new StringBuilder();
        StringBuilder status = new StringBuilder();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                int channel = data.get() & 0xff;
                String text = StandardCharsets.UTF_8.decode(data).toString();
                (channel == 3 ? status : stdout).append(text);
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closed.complete(null);
                return null;
            }
        };
        HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("v5.channel.k8s.io")
                .buildAsync(URI.create("ws://127.0.0.1:" + h.kubelet.port() + "/exec/" + NS
                        + "/talker/nginx?command=/usr/sbin/nginx&command=-v&stdout=1&stderr=1"), listener)
                .get(10, TimeUnit.SECONDS);
        closed.get(20, TimeUnit.SECONDS);
        assertTrue(stdout.toString().contains("nginx version"), "exec output: " + stdout);
        assertTrue(status.toString().contains("\"Success\""), "exec status: " + status);

        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        String metrics = httpGet(base + "/metrics");
        assertTrue(metrics.contains("kubelet_pod_start_duration_seconds"), "metrics");
        assertTrue(metrics.contains("kubelet_docker_operations_duration_seconds"), "metrics");
    }

    @Test
    void restartedKubeletAdoptsRunningPods() {
        h.create(new PodBuilder().withNewMetadata().withName("steady").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer().endSpec().build());
        h.create(new PodBuilder().withNewMetadata().withName("orphan").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer().endSpec().build());
        Pod before = h.awaitPod(NS, "steady", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        h.awaitPod(NS, "orphan", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        h.kubelet.close();
        // Deleted while no kubelet watches: the next kubelet must find and remove its containers by their labels.
        h.client.pods().inNamespace(NS).withName("orphan").withGracePeriod(0).delete();
        await("orphan gone from the API", Duration.ofSeconds(20), () -> h.pod(NS, "orphan"), p -> p == null);
        h.startKubelet();
        h.create(new PodBuilder().withNewMetadata().withName("after-restart").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer().endSpec().build());
        h.awaitPod(NS, "after-restart", "Ready (the new kubelet works)", Duration.ofSeconds(60), KubeletHarness::ready);
        Pod after = h.awaitPod(NS, "steady", "still Ready after the restart", Duration.ofSeconds(30), KubeletHarness::ready);
        var b = before.getStatus().getContainerStatuses().get(0);
        var a = after.getStatus().getContainerStatuses().get(0);
        assertEquals(b.getContainerID(), a.getContainerID(), "same container, not a new one");
        assertEquals(0, a.getRestartCount());
        assertEquals(before.getStatus().getPodIP(), after.getStatus().getPodIP());
        assertTrue(httpGet("http://" + after.getStatus().getPodIP() + "/").startsWith("200 "));
        String id = a.getContainerID().substring("docker://".length());
        assertTrue(h.docker.inspectContainerCmd(id).exec().getState().getRunning());
        await("containers of the pod deleted while the kubelet was down removed", Duration.ofSeconds(40),
                () -> h.nodeContainers().stream().filter(c -> "orphan".equals(c.getLabels().get("io.kubernetes.pod.name")))
                        .map(c -> c.getNames()[0]).toList(), List::isEmpty);
    }

    /** Runs an exec over the kubelet's WebSocket; returns stdout, then the status JSON, separated by a NUL. */
    private static String exec(String pod, String container, String query, byte[] stdin) throws Exception {
        StringBuilder stdout = new StringBuilder();
        StringBuilder status = new StringBuilder();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                int channel = data.get() & 0xff;
                String text = StandardCharsets.UTF_8.decode(data).toString();
                (channel == 3 ? status : stdout).append(text);
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closed.complete(null);
                return null;
            }
        };
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().subprotocols("v5.channel.k8s.io")
                .buildAsync(URI.create("ws://127.0.0.1:" + h.kubelet.port() + "/exec/" + NS + "/" + pod + "/" + container
                        + "?" + query), listener).get(10, TimeUnit.SECONDS);
        if (stdin != null) {
            ByteBuffer frame = ByteBuffer.allocate(stdin.length + 1).put((byte) 0).put(stdin).flip();
            ws.sendBinary(frame, true).get(5, TimeUnit.SECONDS);
            ws.sendBinary(ByteBuffer.wrap(new byte[] {(byte) 255, 0}), true).get(5, TimeUnit.SECONDS);
        }
        closed.get(20, TimeUnit.SECONDS);
        return stdout + "\0" + status;
    }

    @Test
    void execPassesStdinAndReportsTheExitCode() throws Exception {
        h.create(new PodBuilder().withNewMetadata().withName("shell").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("sh").withImage("busybox:1.35").withCommand("sleep", "3600").endContainer()
                .endSpec().build());
        h.awaitPod(NS, "shell", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        String echoed = exec("shell", "sh", "command=tr&command=a-z&command=A-Z&stdin=1&stdout=1&stderr=1",
                "hello kubelet\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("HELLO KUBELET\n", echoed.substring(0, echoed.indexOf('\0')));
        assertTrue(echoed.contains("\"Success\""), echoed);

        String failed = exec("shell", "sh", "command=sh&command=-c&command=echo+oops+%3E%262%3B+exit+7&stdout=1&stderr=1", null);
        assertTrue(failed.startsWith("oops"), failed);
        assertTrue(failed.contains("\"NonZeroExitCode\"") && failed.contains("\"message\":\"7\""), failed);
    }

    @Test
    void followedLogsStreamNewLinesAsTheyAreWritten() throws Exception {
        h.create(new PodBuilder().withNewMetadata().withName("ticker").withNamespace(NS).endMetadata().withNewSpec()
                .addNewContainer().withName("tick").withImage("busybox:1.35")
                .withCommand("sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done").endContainer()
                .endSpec().build());
        h.awaitPod(NS, "ticker", "Ready", Duration.ofSeconds(60), KubeletHarness::ready);
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.kubelet.port() + "/containerLogs/" + NS
                + "/ticker/tick?follow=true&tailLines=1")).build();
        HttpResponse<java.io.InputStream> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            int first = Integer.parseInt(reader.readLine().substring("tick ".length()));
            int second = Integer.parseInt(reader.readLine().substring("tick ".length()));
            int third = Integer.parseInt(reader.readLine().substring("tick ".length()));
            assertEquals(List.of(first + 1, first + 2), List.of(second, third), "lines keep coming while following");
        }
    }

    @Test
    void nodeIsNotReadyWithAReasonWhenDockerIsUnreachable() {
        String name = h.nodeName + "-nodocker";
        dev.keelson.kubelet.KubeletOptions options = dev.keelson.kubelet.KubeletOptions.builder(name)
                .dockerEndpoint("unix:///nonexistent/keelson-kubelet-test/docker.sock").port(0).bindAddress("127.0.0.1")
                .rootDir(h.rootDir.resolve("nodocker")).build();
        try (dev.keelson.kubelet.Kubelet broken = new dev.keelson.kubelet.Kubelet(h.client, options)) {
            broken.start();
            Node node = await("node " + name + " NotReady", Duration.ofSeconds(30), () -> h.client.nodes().withName(name).get(),
                    n -> n != null && n.getStatus() != null && n.getStatus().getConditions() != null
                            && n.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready")
                            && c.getStatus().equals("False")));
            var ready = node.getStatus().getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().get();
            assertEquals("KubeletNotReady", ready.getReason());
            assertTrue(ready.getMessage().startsWith("container runtime is down"), ready.getMessage());
        } finally {
            h.client.nodes().withName(name).delete();
        }
    }
}
