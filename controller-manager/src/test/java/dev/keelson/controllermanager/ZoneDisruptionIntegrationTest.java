package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.common.Times;
import dev.keelson.controllermanager.testing.Await;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Partitions of a zone or of the whole cluster. The controller-manager starts only after the nodes are registered,
 * so it first sees every silent node in the same pass and they cross the grace period together, as when one
 * partition cuts them all off at once (otherwise the first silent node could legitimately be tainted while the
 * others still looked healthy).
 */
class ZoneDisruptionIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static TestCluster cluster;
    private static KubernetesClient client;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.start();
        client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-node-lease").endMetadata()
                .build()).createOr(existing -> existing.update());
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    /** A node-lifecycle-only controller-manager: 3 s grace, 0.5 s passes, 0.5 taints/s, Kubernetes' zone rules. */
    private static ControllerManager startManager(KubernetesClient managerClient) {
        ControllerManager m = new ControllerManager(managerClient, ControllerManagerOptions.builder().leaderElect(false)
                .securePort(-1).controllers(List.of("nodelifecycle"))
                .nodeMonitorGracePeriod(Duration.ofSeconds(3)).nodeMonitorPeriod(Duration.ofMillis(500))
                .nodeEvictionRate(0.5).build());
        m.start();
        return m;
    }

    private static void register(String name, String zone) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of("topology.kubernetes.io/zone", zone)).endMetadata().build()).create();
        postReady(name);
        client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                .withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
    }

    private static void postReady(String name) {
        Node n = client.nodes().withName(name).get();
        n.setStatus(new NodeStatus());
        n.getStatus().setConditions(List.of(new NodeConditionBuilder().withType("Ready").withStatus("True")
                .withReason("KubeletReady").withLastHeartbeatTime(Times.now()).withLastTransitionTime(Times.now()).build()));
        client.nodes().resource(n).updateStatus();
    }

    private static ScheduledExecutorService heartbeat(Set<String> alive) {
        ScheduledExecutorService heart = Executors.newSingleThreadScheduledExecutor();
        heart.scheduleWithFixedDelay(() -> alive.forEach(name -> {
            try {
                Lease lease = client.leases().inNamespace("kube-node-lease").withName(name).get();
                lease.getSpec().setRenewTime(ZonedDateTime.now());
                client.leases().inNamespace("kube-node-lease").resource(lease).update();
            } catch (RuntimeException ignored) {
                // a conflicting write is retried on the next beat
            }
        }), 0, 300, TimeUnit.MILLISECONDS);
        return heart;
    }

    private static void pod(String ns, String name, String node) {
        client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).withTolerations(new TolerationBuilder()
                        .withKey("node.kubernetes.io/unreachable").withOperator("Exists").withEffect("NoExecute")
                        .withTolerationSeconds(0L).build())
                .addNewContainer().withName("c").withImage("keelson/c:1").endContainer().endSpec().build()).create();
    }

    private static boolean gone(String ns, String name) {
        Pod p = client.pods().inNamespace(ns).withName(name).get();
        return p == null || p.getMetadata().getDeletionTimestamp() != null;
    }

    private static boolean tainted(String node) {
        Node n = client.nodes().withName(node).get();
        return n.getSpec() != null && n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
                .anyMatch(t -> "node.kubernetes.io/unreachable".equals(t.getKey()));
    }

    private static boolean readyUnknown(String node) {
        Node n = client.nodes().withName(node).get();
        return n.getStatus() != null && n.getStatus().getConditions() != null && n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "Unknown".equals(c.getStatus()));
    }

    private static double passes(ControllerManager m) {
        return m.meterRegistry().get("node_lifecycle_monitor_passes").counter().count();
    }

    private static double zoneHealth(ControllerManager m, String zone) {
        return m.meterRegistry().get("node_collector_zone_health").tag("zone", ":" + zone).gauge().value();
    }

    private static void deleteNodes(List<String> names) {
        for (String name : names) {
            client.nodes().withName(name).delete();
            client.leases().inNamespace("kube-node-lease").withName(name).delete();
        }
    }

    private static String namespace() {
        String name = "cm-zone-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    @Test
    void partitionOfEveryNodeTaintsAndEvictsNothingUntilANodeReturns() {
        String id = UUID.randomUUID().toString().substring(0, 6);
        String zone = "cm-zone-all-" + id;
        String first = "cm-zone-all-n1-" + id;
        String second = "cm-zone-all-n2-" + id;
        String ns = namespace();
        Set<String> alive = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService heart = heartbeat(alive);
        register(first, zone);
        register(second, zone);
        pod(ns, "on-first", first);
        pod(ns, "on-second", second);
        try (KubernetesClient managerClient = cluster.newClient(); ControllerManager manager = startManager(managerClient)) {
            Await.until("both nodes Ready=Unknown", WAIT, () -> readyUnknown(first) && readyUnknown(second), u -> u);
            double seen = passes(manager);
            Await.until("ten more monitor passes", WAIT, () -> passes(manager), p -> p >= seen + 10);
            assertEquals(0.0, zoneHealth(manager, zone), "zone health while every node is silent");
            assertTrue(!tainted(first) && !tainted(second), "no node is tainted while every zone is fully disrupted");
            assertTrue(!gone(ns, "on-first") && !gone(ns, "on-second"), "no pod is evicted in full disruption");

            postReady(first);
            alive.add(first);
            Await.until("silent node tainted once another node is ready", WAIT, () -> tainted(second), t -> t);
            Await.until("pod of the silent node evicted", WAIT, () -> gone(ns, "on-second"), g -> g);
            assertTrue(!tainted(first), "the returned node stays untainted");
            assertTrue(!gone(ns, "on-first"), "the returned node keeps its pod");
        } finally {
            heart.shutdownNow();
            deleteNodes(List.of(first, second));
        }
    }

    @Test
    void partiallyDisruptedSmallZoneTaintsNothingUntilItRecoversWhileAnotherZoneIsStillTainted() {
        String id = UUID.randomUUID().toString().substring(0, 6);
        String zone = "cm-zone-part-" + id;
        String otherZone = "cm-zone-lost-" + id;
        String good = "cm-zone-part-good-" + id;
        List<String> dead = List.of("cm-zone-part-d1-" + id, "cm-zone-part-d2-" + id, "cm-zone-part-d3-" + id);
        String lost = "cm-zone-lost-n1-" + id;
        Set<String> alive = ConcurrentHashMap.newKeySet();
        alive.add(good);
        ScheduledExecutorService heart = heartbeat(alive);
        register(good, zone);
        dead.forEach(n -> register(n, zone));
        register(lost, otherZone);
        try (KubernetesClient managerClient = cluster.newClient(); ControllerManager manager = startManager(managerClient)) {
            // 3 of 4 silent: 75 % >= --unhealthy-zone-threshold 55 % in a zone below --large-cluster-size-threshold,
            // so tainting stops there. The other zone is fully disrupted while this one is not: tainted normally.
            Await.until("silent nodes Ready=Unknown", WAIT,
                    () -> dead.stream().allMatch(ZoneDisruptionIntegrationTest::readyUnknown) && readyUnknown(lost), u -> u);
            Await.until("node of the fully disrupted zone tainted", WAIT, () -> tainted(lost), t -> t);
            double seen = passes(manager);
            Await.until("ten more monitor passes", WAIT, () -> passes(manager), p -> p >= seen + 10);
            assertEquals(25.0, zoneHealth(manager, zone), "1 of 4 nodes ready");
            assertEquals(List.of(), dead.stream().filter(ZoneDisruptionIntegrationTest::tainted).toList(),
                    "tainted nodes of the partially disrupted zone");

            postReady(dead.get(0));
            alive.add(dead.get(0));
            Await.until("2 of 4 silent: the zone is normal again and its silent nodes are tainted", WAIT,
                    () -> dead.stream().filter(ZoneDisruptionIntegrationTest::tainted).collect(Collectors.toSet()),
                    t -> t.equals(Set.of(dead.get(1), dead.get(2))));
            assertTrue(!tainted(good));
        } finally {
            heart.shutdownNow();
            deleteNodes(List.of(good, dead.get(0), dead.get(1), dead.get(2), lost));
        }
    }
}
