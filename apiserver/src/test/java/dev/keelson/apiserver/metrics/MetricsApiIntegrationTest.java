package dev.keelson.apiserver.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * metrics.k8s.io on a real apiserver and etcd: the built-in scraper reaches a kubelet stand-in over HTTPS (serving
 * certificate from the cluster CA, client certificate required), and kubectl top prints what it prints against
 * metrics-server, with a second node whose kubelet does not answer.
 */
class MetricsApiIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCluster cluster;
    private static HttpServer kubelet;
    private static final List<String> clientSubjects = new CopyOnWriteArrayList<>();
    private static final long started = System.currentTimeMillis();

    /** Half a core for the node and for each container, 100 Mi of working set: counters grow with the clock. */
    private static String resourceMetrics() {
        long now = System.currentTimeMillis();
        double cpu = (now - started) / 2000.0 + 10;
        return "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n"
                + "# TYPE container_cpu_usage_seconds_total counter\n"
                + "container_cpu_usage_seconds_total{container=\"web\",namespace=\"shop\",pod=\"web-1\"} " + cpu + " " + now + "\n"
                + "container_cpu_usage_seconds_total{container=\"side\",namespace=\"shop\",pod=\"web-1\"} " + cpu / 5 + " " + now + "\n"
                + "container_cpu_usage_seconds_total{container=\"app\",namespace=\"other\",pod=\"db-0\"} " + cpu + " " + now + "\n"
                + "container_memory_working_set_bytes{container=\"web\",namespace=\"shop\",pod=\"web-1\"} 1.048576e+08 " + now + "\n"
                + "container_memory_working_set_bytes{container=\"side\",namespace=\"shop\",pod=\"web-1\"} 2.097152e+07 " + now + "\n"
                + "container_memory_working_set_bytes{container=\"app\",namespace=\"other\",pod=\"db-0\"} 5.24288e+07 " + now + "\n"
                + "container_start_time_seconds{container=\"web\",namespace=\"shop\",pod=\"web-1\"} 1.7e+09 " + now + "\n"
                + "node_cpu_usage_seconds_total " + cpu + " " + now + "\n"
                + "node_memory_working_set_bytes 5.36870912e+08 " + now + "\n"
                + "resource_scrape_error 0\n";
    }

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("keelson.metricResolutionSeconds", "1");
        try {
            cluster = TestCluster.start();
        } finally {
            System.clearProperty("keelson.metricResolutionSeconds");
        }
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        CertificateAuthority.Issued serving = ca.issueServing("node-a", List.of("localhost"), List.of("127.0.0.1"),
                Duration.ofDays(1));
        kubelet = VertxHolder.get().createHttpServer(new HttpServerOptions().setSsl(true).setHost("127.0.0.1").setPort(0)
                        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(serving.certificatePem()))
                                .setKeyValue(Buffer.buffer(serving.keyPem())))
                        .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(ca.certificatePem())))
                        .setClientAuth(ClientAuth.REQUIRED))
                .requestHandler(req -> {
                    try {
                        clientSubjects.add(((java.security.cert.X509Certificate) req.connection().peerCertificates().get(0))
                                .getSubjectX500Principal().getName());
                    } catch (Exception e) {
                        clientSubjects.add("none");
                    }
                    if (req.path().equals("/metrics/resource")) {
                        req.response().putHeader("Content-Type", "text/plain; version=0.0.4").end(resourceMetrics());
                    } else {
                        req.response().setStatusCode(404).end();
                    }
                }).listen().await(30, TimeUnit.SECONDS);
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        node("node-a", kubelet.actualPort());
        node("node-b", deadPort);
        var client = cluster.client();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("shop").endMetadata().build()).create();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                .withName("other").endMetadata().build()).create();
        pod("shop", "web-1", Map.of("app", "web"), "web", "side");
        pod("other", "db-0", Map.of("app", "db"), "app");
    }

    private static void node(String name, int port) {
        cluster.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("kubernetes.io/hostname", name)).endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(port).endKubeletEndpoint().endDaemonEndpoints()
                .withCapacity(Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi")))
                .withAllocatable(Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi"))).endStatus().build())
                .create();
    }

    private static void pod(String ns, String name, Map<String, String> labels, String... containers) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
                .withNewSpec().withNodeName("node-a").endSpec();
        for (String c : containers) {
            b.editSpec().addNewContainer().withName(c).withImage("nginx").endContainer().endSpec();
        }
        Pod created = cluster.client().pods().inNamespace(ns).resource(b.build()).create();
        created.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").build());
        cluster.client().pods().inNamespace(ns).resource(created).updateStatus();
    }

    @AfterAll
    static void stop() {
        if (kubelet != null) {
            kubelet.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static JsonNode get(String path) throws Exception {
        String body = cluster.client().raw(cluster.url() + path);
        return body == null ? null : JSON.readTree(body);
    }

    private static JsonNode await(Supplier<JsonNode> poll, java.util.function.Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = poll.get();
            if (last != null && done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not reached in 60 s; last seen " + last);
    }

    private static JsonNode nodesList() {
        try {
            return get("/apis/metrics.k8s.io/v1beta1/nodes");
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void nodeMetricsOfAnsweringKubeletsOnly() throws Exception {
        JsonNode list = await(MetricsApiIntegrationTest::nodesList, l -> l.path("items").size() > 0);
        assertEquals("NodeMetricsList", list.path("kind").asText());
        assertEquals("metrics.k8s.io/v1beta1", list.path("apiVersion").asText());
        assertEquals(1, list.path("items").size(), "node-b's kubelet does not answer: " + list);
        JsonNode a = list.path("items").get(0);
        assertEquals("node-a", a.at("/metadata/name").asText());
        assertEquals("node-a", a.at("/metadata/labels/kubernetes.io~1hostname").asText());
        assertEquals("512Mi", a.at("/usage/memory").asText());
        double cores = Quantities.parseCores(a.at("/usage/cpu").asText());
        assertTrue(Math.abs(cores - 0.5) < 0.02, "half a core, got " + a.at("/usage/cpu"));
        assertTrue(a.path("window").asText().endsWith("s"), a.toString());
        assertTrue(clientSubjects.stream().allMatch(s -> s.contains("CN=kube-apiserver-kubelet-client")), clientSubjects.toString());

        assertEquals("Error from server (NotFound): nodemetrics.metrics.k8s.io \"node-b\" not found",
                kubectl("top", "node", "node-b").strip());
        assertEquals("Error from server (NotFound): podmetrics.metrics.k8s.io \"shop/nope\" not found",
                kubectl("top", "pod", "-n", "shop", "nope").strip());

        String top = kubectl("top", "node");
        String[] lines = top.strip().split("\n");
        assertEquals(List.of("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"), List.of(lines[0].trim().split("\\s+")), top);
        List<String> rowA = List.of(lines[1].trim().split("\\s+"));
        assertEquals("node-a", rowA.get(0), top);
        assertTrue(rowA.get(1).matches("(49\\d|50\\d)m"), top);
        assertEquals(List.of("512Mi", "12%"), rowA.subList(3, 5), top);
        assertEquals(List.of("node-b", "<unknown>", "<unknown>", "<unknown>", "<unknown>"), List.of(lines[2].trim().split("\\s+")), top);
    }

    @Test
    void podMetricsByNamespaceAndLabelAsKubectlTopPrintsThem() throws Exception {
        await(() -> {
            try {
                return get("/apis/metrics.k8s.io/v1beta1/pods");
            } catch (Exception e) {
                return null;
            }
        }, l -> l.path("items").size() == 2);
        JsonNode web = get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web-1");
        assertEquals("PodMetrics", web.path("kind").asText());
        assertEquals("shop", web.at("/metadata/namespace").asText());
        assertEquals("web", web.at("/metadata/labels/app").asText());
        assertEquals(List.of("web", "side"), List.of(web.at("/containers/0/name").asText(), web.at("/containers/1/name").asText()));
        assertEquals("100Mi", web.at("/containers/0/usage/memory").asText());
        assertEquals(0, get("/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?labelSelector=app%3Ddb").path("items").size());
        assertEquals(1, get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb").path("items").size());

        String top = kubectl("top", "pod", "-n", "shop", "--containers");
        List<List<String>> rows = rows(top);
        assertEquals(List.of("POD", "NAME", "CPU(cores)", "MEMORY(bytes)"), rows.get(0), top);
        assertEquals(List.of("web-1", "side"), rows.get(1).subList(0, 2), top);
        assertEquals("20Mi", rows.get(1).get(3), top);
        assertEquals(List.of("web-1", "web"), rows.get(2).subList(0, 2), top);
        assertEquals("100Mi", rows.get(2).get(3), top);

        List<List<String>> all = rows(kubectl("top", "pod", "-A"));
        assertEquals(List.of("NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"), all.get(0));
        assertEquals(List.of("other", "db-0"), all.get(1).subList(0, 2));
        assertEquals("50Mi", all.get(1).get(3));
        assertEquals(List.of("shop", "web-1"), all.get(2).subList(0, 2));
        assertEquals("120Mi", all.get(2).get(3));

        String none = kubectl("top", "pod", "-n", "default");
        assertEquals("No resources found in default namespace.", none.strip());
    }

    @Test
    void discoveryListsTheGroupInBothFormats() throws Exception {
        JsonNode groups = get("/apis");
        boolean found = false;
        for (JsonNode g : groups.path("groups")) {
            found |= g.path("name").asText().equals("metrics.k8s.io")
                    && g.at("/preferredVersion/version").asText().equals("v1beta1");
        }
        assertTrue(found, groups.toString());
        JsonNode resources = get("/apis/metrics.k8s.io/v1beta1");
        assertEquals("nodes", resources.at("/resources/0/name").asText());
        assertEquals("PodMetrics", resources.at("/resources/1/kind").asText());
        String apiResources = kubectl("api-resources", "--api-group=metrics.k8s.io");
        assertTrue(apiResources.contains("nodes") && apiResources.contains("NodeMetrics")
                && apiResources.contains("PodMetrics"), apiResources);
    }

    private static List<List<String>> rows(String out) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : out.strip().split("\n")) {
            rows.add(List.of(line.trim().split("\\s+")));
        }
        return rows;
    }

    private static String kubectl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", cluster.kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
