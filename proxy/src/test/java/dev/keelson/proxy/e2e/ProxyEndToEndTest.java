package dev.keelson.proxy.e2e;

import static dev.keelson.proxy.e2e.NodeNetwork.TCP_PORT;
import static dev.keelson.proxy.e2e.NodeNetwork.UDP_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keelson.proxy.Proxy;
import dev.keelson.proxy.ProxyCleanup;
import dev.keelson.proxy.ProxyOptions;
import dev.keelson.proxy.e2e.NodeNetwork.Answer;
import dev.keelson.proxy.rules.ServiceCatalog;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Proxy against a real apiserver, programming a node built from network namespaces: Services and
 * EndpointSlices written through the API (slices by hand: no endpointslice controller runs here), traffic
 * observed from the node and from pods.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyEndToEndTest {
    private static final String NS = "kpx-e2e";
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static NodeNetwork net;
    private static ApiClusterAccess cluster;
    private static KubernetesClient client;
    private static Proxy proxy;
    private static ProxyOptions options;
    private static String iptablesBefore;
    private static String routesBefore;
    private static final Map<String, String> pods = new TreeMap<>();

    @BeforeAll
    static void start() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        assumeTrue(ApiClusterAccess.available(), "the apiserver test-jar with TestCluster is not installed");
        net = new NodeNetwork();
        for (int i = 1; i <= 3; i++) {
            pods.put("pod" + i, net.addPod("pod" + i, i));
        }
        net.prepareLikeADockerHost();
        iptablesBefore = net.iptablesSave();
        routesBefore = net.routes();
        cluster = ApiClusterAccess.start();
        client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                .create();
        var node2 = client.nodes().resource(new NodeBuilder().withNewMetadata().withName("kpx-node2").endMetadata()
                .withNewSpec().withPodCIDR(NodeNetwork.NODE2_POD_CIDR).endSpec()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(NodeNetwork.NODE2_IP).endAddress()
                .endStatus().build()).create();
        if (node2.getStatus() == null || node2.getStatus().getAddresses() == null
                || node2.getStatus().getAddresses().isEmpty()) {
            // an apiserver that drops status on create gets it through the status subresource, as a kubelet does
            client.nodes().withName("kpx-node2").editStatus(n -> new NodeBuilder(n).withNewStatus().addNewAddress()
                    .withType("InternalIP").withAddress(NodeNetwork.NODE2_IP).endAddress().endStatus().build());
        }
        options = ProxyOptions.defaults("kpx-node1").withClusterCidr("10.244.0.0/16")
                .withSyncPeriods(Duration.ofMillis(200), Duration.ofSeconds(3))
                .withServer("127.0.0.1", 0, 0).withCommandPrefix(net.hostPrefix());
        proxy = new Proxy(client, options);
        proxy.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (net != null) {
            net.close();
        }
    }

    private static void service(String name, String ip, String protocol, int port, int nodePort, String affinity) {
        client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withType(nodePort > 0 ? "NodePort" : "ClusterIP").withClusterIP(ip)
                .withSessionAffinity(affinity).addNewPort().withName("p").withProtocol(protocol).withPort(port)
                .withNodePort(nodePort > 0 ? nodePort : null).withTargetPort(new IntOrString("named")).endPort()
                .endSpec().build()).create();
    }

    private static void endpoints(String service, String protocol, List<String> ips) {
        client.discovery().v1().endpointSlices().inNamespace(NS).resource(new EndpointSliceBuilder()
                .withNewMetadata().withName(service + "-kpx")
                .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("p").withProtocol(protocol).withPort(protocol.equals("UDP") ? UDP_PORT : TCP_PORT)
                .endPort()
                .withEndpoints(ips.stream().map(ip -> new EndpointBuilder().withAddresses(ip).withNodeName("kpx-node1")
                        .withNewConditions().withReady(true).endConditions().build()).toList())
                .build()).createOr(existing -> existing.update());
    }

    /** Repeats requests until the set of pods answering equals {@code expected}; fails with what it last saw. */
    private static void awaitHits(Set<String> expected, int perRound, Supplier<Answer> request) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Map<String, Integer> hits = Map.of();
        while (System.nanoTime() < deadline) {
            hits = new HashMap<>();
            for (int i = 0; i < perRound; i++) {
                Answer a = request.get();
                hits.merge(a.answered() ? a.pod() : "no answer: " + a.raw(), 1, Integer::sum);
            }
            if (hits.keySet().equals(expected)) {
                return;
            }
            NodeNetwork.sleep(200);
        }
        throw new AssertionError("within " + DEADLINE + " expected answers from " + expected + ", last round saw " + hits);
    }

    @Test
    @Order(1)
    void clusterIpFromTheNodeSpreadsOverAllEndpoints() {
        service("web", "10.100.213.10", "TCP", 80, 0, "None");
        endpoints("web", "TCP", List.copyOf(pods.values()));
        awaitHits(pods.keySet(), 45, () -> net.curlFromHost("10.100.213.10:80"));
    }

    @Test
    @Order(2)
    void podReachesServiceWithItsOwnAddressAsSource() {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Answer a = net.curl(net.podNamespace("pod1"), "10.100.213.10:80");
        while (!a.answered() && System.nanoTime() < deadline) {
            NodeNetwork.sleep(200);
            a = net.curl(net.podNamespace("pod1"), "10.100.213.10:80");
        }
        assertTrue(a.answered(), "pod1 got no answer from the service: " + a);
        assertEquals(pods.get("pod1"), a.clientIp(), "pod-to-pod traffic keeps its source: " + a);
    }

    @Test
    @Order(3)
    void removedEndpointStopsReceivingTraffic() {
        endpoints("web", "TCP", List.of(pods.get("pod1"), pods.get("pod2")));
        awaitHits(Set.of("pod1", "pod2"), 30, () -> net.curlFromHost("10.100.213.10:80"));
    }

    @Test
    @Order(4)
    void udpServiceAnswersFromEveryEndpoint() {
        service("dns", "10.100.213.53", "UDP", 53, 0, "None");
        endpoints("dns", "UDP", List.copyOf(pods.values()));
        awaitHits(pods.keySet(), 45, () -> net.udpFromHost("10.100.213.53", 53));
    }

    @Test
    @Order(5)
    void sessionAffinitySticksToOneEndpoint() {
        service("sticky", "10.100.213.20", "TCP", 80, 0, "ClientIP");
        endpoints("sticky", "TCP", List.copyOf(pods.values()));
        awaitHits(Set.of(net.curlFromHostUntilAnswered("10.100.213.20:80", DEADLINE).pod()), 20,
                () -> net.curlFromHost("10.100.213.20:80"));
    }

    @Test
    @Order(6)
    void serviceWithoutEndpointsRefusesConnections() {
        service("empty", "10.100.213.30", "TCP", 80, 0, "None");
        endpoints("empty", "TCP", List.of());
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Answer a = net.connect(net.host, "10.100.213.30:80");
        while (!a.raw().contains("Connection refused") && System.nanoTime() < deadline) {
            NodeNetwork.sleep(200);
            a = net.connect(net.host, "10.100.213.30:80");
        }
        assertTrue(a.raw().contains("Connection refused"), "expected a refusal, last saw: " + a);
    }

    @Test
    @Order(7)
    void nodePortAnswersFromTheNode() {
        service("np", "10.100.213.40", "TCP", 80, 30213, "None");
        endpoints("np", "TCP", List.copyOf(pods.values()));
        awaitHits(pods.keySet(), 45, () -> net.curlFromHost(NodeNetwork.NODE_IP + ":30213"));
    }

    @Test
    @Order(8)
    void podOnAnotherNodeIsReachedThroughItsPodRoute() {
        service("remote", "10.100.213.50", "TCP", 80, 0, "None");
        endpoints("remote", "TCP", List.of(NodeNetwork.NODE2_POD_IP));
        awaitHits(Set.of("node2-pod"), 3, () -> net.curlFromHost("10.100.213.50:80"));
        assertTrue(net.routes().contains(NodeNetwork.NODE2_POD_CIDR + " via " + NodeNetwork.NODE2_IP),
                net.routes());
    }

    @Test
    @Order(9)
    void fullResyncRepairsARuleDeletedByHand() {
        net.inHost("iptables-nft", "-t", "nat", "-F", "KEELSON-SERVICES");
        awaitHits(Set.of("pod1", "pod2"), 30, () -> net.curlFromHost("10.100.213.10:80"));
    }

    @Test
    @Order(10)
    void trafficFollowsEndpointsThatChangeRapidly() {
        service("churn", "10.100.213.60", "TCP", 80, 0, "None");
        long partialBefore = proxy.metrics().partialSyncDuration().count();
        List<List<String>> steps = List.of(List.of("pod1"), List.of("pod2"), List.of("pod3"), List.of("pod1", "pod3"),
                List.of("pod2"), List.of("pod1", "pod2", "pod3"), List.of("pod3"));
        for (List<String> step : steps) {
            endpoints("churn", "TCP", step.stream().map(pods::get).toList());
            awaitHits(Set.copyOf(step), 15, () -> net.curlFromHost("10.100.213.60:80"));
        }
        // a burst faster than the min sync period: only the last state matters
        for (int i = 0; i < 20; i++) {
            endpoints("churn", "TCP", List.of(pods.get("pod" + (1 + i % 3))));
        }
        endpoints("churn", "TCP", List.of(pods.get("pod1"), pods.get("pod2")));
        awaitHits(Set.of("pod1", "pod2"), 30, () -> net.curlFromHost("10.100.213.60:80"));
        assertTrue(proxy.metrics().partialSyncDuration().count() > partialBefore,
                "changes between full resyncs are applied by partial syncs");
    }

    @Test
    @Order(11)
    void metricsShowSyncDurationRuleCountAndProgrammingLatency() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> healthz = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + proxy.healthzPort() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, healthz.statusCode(), healthz.body());

        double latencyCount = metric(http, "keelson_proxy_network_programming_duration_seconds_count");
        double latencySum = metric(http, "keelson_proxy_network_programming_duration_seconds_sum");
        // the endpointslice controller stamps when the change that led to the slice happened: 5 s ago here
        Instant trigger = Instant.now().minusSeconds(5);
        client.discovery().v1().endpointSlices().inNamespace(NS).withName("churn-kpx").edit(slice ->
                new EndpointSliceBuilder(slice).editMetadata()
                        .addToAnnotations("endpoints.kubernetes.io/last-change-trigger-time", trigger.toString())
                        .endMetadata().withEndpoints(List.of(new EndpointBuilder().withAddresses(pods.get("pod3"))
                                .withNodeName("kpx-node1").withNewConditions().withReady(true).endConditions()
                                .build())).build());
        awaitHits(Set.of("pod3"), 15, () -> net.curlFromHost("10.100.213.60:80"));
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        double count = metric(http, "keelson_proxy_network_programming_duration_seconds_count");
        while (count <= latencyCount && System.nanoTime() < deadline) {
            NodeNetwork.sleep(100);
            count = metric(http, "keelson_proxy_network_programming_duration_seconds_count");
        }
        assertTrue(count > latencyCount, "no programming latency recorded for the change; count still " + count);
        double added = metric(http, "keelson_proxy_network_programming_duration_seconds_sum") - latencySum;
        assertTrue(added >= 5 && added < 5 + DEADLINE.toSeconds() * (count - latencyCount),
                "latency measured from the trigger time 5 s ago, got " + added + " s over " + (count - latencyCount)
                        + " changes");
        assertTrue(metric(http, "keelson_proxy_network_programming_duration_seconds_bucket{le=\"+Inf\"}") >= count);

        double syncs = metric(http, "keelson_proxy_sync_proxy_rules_duration_seconds_count");
        double syncSeconds = metric(http, "keelson_proxy_sync_proxy_rules_duration_seconds_sum");
        assertTrue(syncs >= 2 && syncSeconds > 0 && syncSeconds / syncs < 10,
                "syncs " + syncs + ", seconds " + syncSeconds);
        assertEquals(syncs, metric(http, "keelson_proxy_sync_full_proxy_rules_duration_seconds_count")
                + metric(http, "keelson_proxy_sync_partial_proxy_rules_duration_seconds_count"), 0.0);

        long natRules = net.inHost("iptables-nft-save", "-t", "nat").stdout().lines()
                .filter(l -> l.startsWith("-A KEELSON-")).count();
        assertEquals(natRules, metric(http, "keelson_proxy_sync_proxy_rules_iptables{table=\"nat\"}"), 0.0,
                "the gauge counts the rules in the proxy's nat chains");
    }

    /** One sample of the proxy's /metrics, by its name and labels as Prometheus' text format prints them. */
    private static double metric(HttpClient http, String series) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.metricsPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError(series + " not in /metrics:\n" + body));
    }

    @Test
    @Order(12)
    void restartedProxyTakesOverItsRulesWithoutAGap() {
        proxy.close();
        String rulesWhileDown = net.iptablesSave();
        assertTrue(rulesWhileDown.contains("KEELSON-SVC-"), "rules stay in place while the proxy is down");
        proxy = new Proxy(client, options);
        proxy.start();
        awaitHits(Set.of("pod1", "pod2"), 30, () -> net.curlFromHost("10.100.213.10:80"));
    }

    @Test
    @Order(13)
    void cleanupRemovesEverythingItMadeAndNothingElse() {
        proxy.close();
        proxy = null;
        List<String> problems = new ProxyCleanup(net.hostPrefix()).run();
        assertEquals(List.of(), problems);
        assertEquals(iptablesBefore, net.iptablesSave());
        assertEquals(routesBefore, net.routes());
        assertFalse(net.iptablesSave().contains("KEELSON"));
    }
}
