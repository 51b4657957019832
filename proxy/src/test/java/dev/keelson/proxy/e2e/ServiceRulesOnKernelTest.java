package dev.keelson.proxy.e2e;

import static dev.keelson.proxy.e2e.NodeNetwork.TCP_PORT;
import static dev.keelson.proxy.e2e.NodeNetwork.UDP_PORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keelson.proxy.ProxyCleanup;
import dev.keelson.proxy.e2e.NodeNetwork.Answer;
import dev.keelson.proxy.routes.PodRoutes;
import dev.keelson.proxy.rules.ServiceCatalog;
import dev.keelson.proxy.rules.ServiceRuleWriter;
import dev.keelson.proxy.system.CommandRunner;
import dev.keelson.proxy.system.Iptables;
import dev.keelson.proxy.system.RuleApplier;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The computed rule set applied with iptables-restore to a real kernel (a node built from network namespaces):
 * what clients of Services observe, without the apiserver in the loop.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceRulesOnKernelTest {
    private static NodeNetwork net;
    private static Iptables iptables;
    private static String savedBefore;
    private static String routesBefore;
    private static final Map<String, String> pods = new TreeMap<>();

    @BeforeAll
    static void network() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        net = new NodeNetwork();
        for (int i = 1; i <= 3; i++) {
            pods.put("pod" + i, net.addPod("pod" + i, i));
        }
        net.prepareLikeADockerHost();
        savedBefore = net.iptablesSave();
        routesBefore = net.routes();
        iptables = new Iptables(new CommandRunner(net.hostPrefix()));
    }

    @AfterAll
    static void tearDown() {
        if (net != null) {
            net.close();
        }
    }

    private static Service service(String name, String ip, String protocol, int port, int nodePort, String affinity) {
        return new ServiceBuilder().withNewMetadata().withNamespace("kpx").withName(name).endMetadata()
                .withNewSpec().withType(nodePort > 0 ? "NodePort" : "ClusterIP").withClusterIP(ip)
                .withSessionAffinity(affinity)
                .addNewPort().withName("p").withProtocol(protocol).withPort(port).withNodePort(nodePort > 0 ? nodePort : null)
                .withTargetPort(new IntOrString("named")).endPort().endSpec().build();
    }

    private static EndpointSlice slice(String service, String protocol, int port, List<String> ips) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("kpx").withName(service + "-x")
                .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("p").withProtocol(protocol).withPort(port).endPort()
                .withEndpoints(ips.stream().map(ip -> new EndpointBuilder().withAddresses(ip).withNodeName("kpx-node")
                        .withNewConditions().withReady(true).endConditions().build()).toList())
                .build();
    }

    private static void apply(List<Service> services, List<EndpointSlice> slices) {
        var rules = new ServiceRuleWriter("kpx-node", "10.244.0.0/16").write(ServiceCatalog.build(services, slices));
        new RuleApplier(iptables).apply(rules, Set.of(), true);
    }

    private static Map<String, Integer> hits(int n, java.util.function.Supplier<Answer> request) {
        Map<String, Integer> hits = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Answer a = request.get();
            assertTrue(a.answered(), "request " + i + " got no answer: " + a);
            hits.merge(a.pod(), 1, Integer::sum);
        }
        return hits;
    }

    @Test
    @Order(1)
    void clusterIpFromTheHostReachesEveryEndpoint() {
        apply(List.of(service("web", "10.100.213.10", "TCP", 80, 0, "None")),
                List.of(slice("web", "TCP", TCP_PORT, List.copyOf(pods.values()))));
        Map<String, Integer> hits = hits(45, () -> net.curlFromHost("10.100.213.10:80"));
        assertEquals(pods.keySet(), hits.keySet(), "hits per pod: " + hits);
    }

    @Test
    @Order(2)
    void removedEndpointStopsReceivingTraffic() {
        apply(List.of(service("web", "10.100.213.10", "TCP", 80, 0, "None")),
                List.of(slice("web", "TCP", TCP_PORT, List.of(pods.get("pod1"), pods.get("pod2")))));
        Map<String, Integer> hits = hits(30, () -> net.curlFromHost("10.100.213.10:80"));
        assertEquals(Set.of("pod1", "pod2"), hits.keySet(), "hits per pod: " + hits);
    }

    @Test
    @Order(3)
    void udpServiceAnswersFromEveryEndpoint() {
        apply(List.of(service("dns", "10.100.213.53", "UDP", 53, 0, "None")),
                List.of(slice("dns", "UDP", UDP_PORT, List.copyOf(pods.values()))));
        Map<String, Integer> hits = hits(45, () -> net.udpFromHost("10.100.213.53", 53));
        assertEquals(pods.keySet(), hits.keySet(), "hits per pod: " + hits);
    }

    @Test
    @Order(4)
    void clientIpAffinityKeepsTheClientOnOneEndpoint() {
        apply(List.of(service("sticky", "10.100.213.20", "TCP", 80, 0, "ClientIP")),
                List.of(slice("sticky", "TCP", TCP_PORT, List.copyOf(pods.values()))));
        Map<String, Integer> hits = hits(20, () -> net.curlFromHost("10.100.213.20:80"));
        assertEquals(1, hits.size(), "hits per pod: " + hits);
    }

    @Test
    @Order(5)
    void serviceWithoutEndpointsRefusesConnections() {
        apply(List.of(service("empty", "10.100.213.30", "TCP", 80, 0, "None")),
                List.of(slice("empty", "TCP", TCP_PORT, List.of())));
        Answer a = net.connect(net.host, "10.100.213.30:80");
        assertTrue(a.raw().contains("Connection refused"), "expected a refusal, not a timeout (exit 124): " + a);
    }

    @Test
    @Order(6)
    void nodePortAnswersOnTheNodeAddress() {
        apply(List.of(service("np", "10.100.213.40", "TCP", 80, 30213, "None")),
                List.of(slice("np", "TCP", TCP_PORT, List.copyOf(pods.values()))));
        Map<String, Integer> hits = hits(45, () -> net.curlFromHost(NodeNetwork.NODE_IP + ":30213"));
        assertEquals(pods.keySet(), hits.keySet(), "hits per pod: " + hits);
    }

    @Test
    @Order(7)
    void podReachingAServiceKeepsItsOwnSourceAddress() {
        apply(List.of(service("web", "10.100.213.10", "TCP", 80, 0, "None")),
                List.of(slice("web", "TCP", TCP_PORT, List.of(pods.get("pod2")))));
        Answer a = net.curl(net.podNamespace("pod1"), "10.100.213.10:80");
        assertEquals("pod2", a.pod(), a.toString());
        assertEquals(pods.get("pod1"), a.clientIp(), "pod-to-pod traffic must not be masqueraded: " + a);
    }

    @Test
    @Order(8)
    void podReachesItselfThroughItsService() {
        net.inHost("bash", "-c", "for p in /sys/class/net/kxbr/brif/*; do echo 1 > $p/hairpin_mode; done");
        apply(List.of(service("self", "10.100.213.11", "TCP", 80, 0, "None")),
                List.of(slice("self", "TCP", TCP_PORT, List.of(pods.get("pod1")))));
        Answer a = net.curl(net.podNamespace("pod1"), "10.100.213.11:80");
        assertEquals("pod1", a.pod(), a.toString());
    }

    @Test
    @Order(9)
    void podOnAnotherNodeIsReachedThroughTheHostGwRoute() {
        PodRoutes routes = new PodRoutes(new CommandRunner(net.hostPrefix()));
        assertEquals(List.of(), routes.sync(Map.of(NodeNetwork.NODE2_POD_CIDR, NodeNetwork.NODE2_IP)));
        Answer a = net.curlFromHost(NodeNetwork.NODE2_POD_IP + ":" + TCP_PORT);
        assertEquals("node2-pod", a.pod(), a.toString());
        assertEquals(Map.of(NodeNetwork.NODE2_POD_CIDR, NodeNetwork.NODE2_IP), routes.current());
    }

    @Test
    @Order(10)
    void cleanupLeavesIptablesAndRoutesAsBefore() {
        assertEquals(List.of(), new ProxyCleanup(net.hostPrefix()).run());
        assertEquals(savedBefore, net.iptablesSave());
        assertEquals(routesBefore, net.routes());
    }
}
