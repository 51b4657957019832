package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.common.Times;
import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NodeLifecycleIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    /** One new taint per zone every 2 s. */
    private static final double EVICTION_RATE = 0.5;
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("nodelifecycle", "replicaset"))
            .nodeMonitorGracePeriod(Duration.ofSeconds(3)).nodeMonitorPeriod(Duration.ofMillis(500))
            .nodeEvictionRate(EVICTION_RATE));

    /** Registers a node as a kubelet would and heartbeats its Lease while its name is in {@code alive}. */
    private static void register(String name) {
        register(name, "");
    }

    /** Registers a node in {@code zone} (topology.kubernetes.io/zone, none if empty). */
    private static void register(String name, String zone) {
        Map<String, String> labels = zone.isEmpty() ? Map.of() : Map.of("topology.kubernetes.io/zone", zone);
        fixture.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .build()).create();
        postReady(name);
        fixture.client().leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName(name)
                .endMetadata().withNewSpec().withHolderIdentity(name).withLeaseDurationSeconds(40)
                .withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
    }

    /** Posts Ready as a kubelet does, reading the node again when the controller changed it meanwhile (a taint). */
    private static void postReady(String name) {
        for (int attempt = 1; ; attempt++) {
            Node n = fixture.client().nodes().withName(name).get();
            NodeCondition ready = new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
                    .withMessage("kubelet is posting ready status").withLastHeartbeatTime(Times.now())
                    .withLastTransitionTime(Times.now()).build();
            n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
            n.getStatus().setConditions(List.of(ready));
            try {
                fixture.client().nodes().resource(n).updateStatus();
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static void renew(String name) {
        Lease lease = fixture.client().leases().inNamespace("kube-node-lease").withName(name).get();
        lease.getSpec().setRenewTime(ZonedDateTime.now());
        fixture.client().leases().inNamespace("kube-node-lease").resource(lease).update();
    }

    private static Pod pod(String ns, String name, String node, Long unreachableSeconds) {
        TolerationBuilder t = new TolerationBuilder().withKey("node.kubernetes.io/unreachable").withOperator("Exists")
                .withEffect("NoExecute");
        if (unreachableSeconds != null) {
            t.withTolerationSeconds(unreachableSeconds);
        }
        return fixture.client().pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).withTolerations(t.build())
                .addNewContainer().withName("c").withImage("keelson/c:1").endContainer().endSpec().build()).create();
    }

    private static boolean gone(String ns, String name) {
        Pod p = fixture.client().pods().inNamespace(ns).withName(name).get();
        return p == null || p.getMetadata().getDeletionTimestamp() != null;
    }

    @Test
    void silentNodeIsMarkedUnknownTaintedAndItsIntolerantPodsEvictedUntilItReturns() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 6);
        String good = "cm-nl-good-" + id;
        String dead = "cm-nl-dead-" + id;
        ensureLeaseNamespace();
        String ns = fixture.namespace("cm-nl");
        Set<String> alive = ConcurrentHashMap.newKeySet();
        ScheduledExecutorService heart = Executors.newSingleThreadScheduledExecutor();
        try {
            register(good);
            register(dead);
            alive.add(good);
            heart.scheduleWithFixedDelay(() -> alive.forEach(n -> {
                try {
                    renew(n);
                } catch (RuntimeException ignored) {
                    // a conflicting write is retried on the next beat
                }
            }), 0, 300, TimeUnit.MILLISECONDS);
            pod(ns, "short", dead, 1L);
            pod(ns, "patient", dead, null);
            pod(ns, "elsewhere", good, 1L);

            // on a loaded host the controller may see the node before its first Ready was posted; wait for the state
            // that follows the silence: unreachable taint and Ready Unknown
            Node tainted = Await.until("dead node tainted unreachable", WAIT, () -> fixture.client().nodes().withName(dead).get(),
                    n -> n.getSpec() != null && n.getSpec().getTaints() != null && n.getSpec().getTaints().stream().anyMatch(
                            t -> "node.kubernetes.io/unreachable".equals(t.getKey()) && "NoExecute".equals(t.getEffect()))
                            && n.getStatus().getConditions().stream().anyMatch(
                                    c -> "Ready".equals(c.getType()) && "Unknown".equals(c.getStatus())));
            NodeCondition ready = tainted.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                    .findFirst().orElseThrow();
            assertEquals("Unknown", ready.getStatus());
            assertEquals("NodeStatusUnknown", ready.getReason());
            Await.until("short-tolerating pod evicted", WAIT, () -> gone(ns, "short"), g -> g);
            assertTrue(!gone(ns, "patient"), "a pod tolerating unreachable forever stays");
            assertTrue(!gone(ns, "elsewhere"), "pods on healthy nodes stay");
            Node healthy = fixture.client().nodes().withName(good).get();
            assertTrue(healthy.getSpec() == null || healthy.getSpec().getTaints() == null
                    || healthy.getSpec().getTaints().isEmpty(), "healthy node untainted: " + healthy.getSpec());
            Await.until("NodeNotReady event", WAIT, () -> fixture.client().v1().events().inAnyNamespace().list().getItems(),
                    l -> l.stream().anyMatch(e -> "NodeNotReady".equals(e.getReason())
                            && dead.equals(e.getInvolvedObject().getName())));

            postReady(dead);
            alive.add(dead);
            Node back = Await.until("taint removed", WAIT, () -> fixture.client().nodes().withName(dead).get(),
                    n -> n.getSpec().getTaints() == null || n.getSpec().getTaints().stream()
                            .noneMatch(t -> t.getKey().startsWith("node.kubernetes.io/")));
            List<Taint> taints = back.getSpec().getTaints();
            assertTrue(taints == null || taints.isEmpty(), String.valueOf(taints));
            assertNull(fixture.client().pods().inNamespace(ns).withName("patient").get().getMetadata().getDeletionTimestamp());
        } finally {
            heart.shutdownNow();
            deleteNodes(good, dead);
        }
    }

    /** A node left behind would keep counting (as a not-ready node) in the other tests' disruption checks. */
    private static void deleteNodes(String... names) {
        for (String name : names) {
            fixture.client().nodes().withName(name).delete();
            fixture.client().leases().inNamespace("kube-node-lease").withName(name).delete();
        }
    }

    private static void ensureLeaseNamespace() {
        if (fixture.client().namespaces().withName("kube-node-lease").get() == null) {
            try {
                fixture.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-node-lease")
                        .endMetadata().build()).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    private static boolean hasUnreachableTaint(String node) {
        Node n = fixture.client().nodes().withName(node).get();
        return n.getSpec() != null && n.getSpec().getTaints() != null && n.getSpec().getTaints().stream()
                .anyMatch(t -> "node.kubernetes.io/unreachable".equals(t.getKey()));
    }

    /** Heartbeats the Leases of the nodes in {@code alive} every 300 ms. */
    private static ScheduledExecutorService heartbeat(Set<String> alive) {
        ScheduledExecutorService heart = Executors.newSingleThreadScheduledExecutor();
        heart.scheduleWithFixedDelay(() -> alive.forEach(n -> {
            try {
                renew(n);
            } catch (RuntimeException ignored) {
                // a conflicting write is retried on the next beat
            }
        }), 0, 300, TimeUnit.MILLISECONDS);
        return heart;
    }

    private static Instant unreachableSince(String node) {
        return fixture.client().nodes().withName(node).get().getSpec().getTaints().stream()
                .filter(t -> "node.kubernetes.io/unreachable".equals(t.getKey())).map(t -> Times.parse(t.getTimeAdded()))
                .findFirst().orElseThrow();
    }

    @Test
    void silentNodesOfAZoneAreTaintedNoFasterThanTheEvictionRate() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 6);
        String zone = "cm-nl-rate-" + id;
        String good = "cm-nl-rate-good-" + id;
        String dead1 = "cm-nl-rate-d1-" + id;
        String dead2 = "cm-nl-rate-d2-" + id;
        ensureLeaseNamespace();
        Set<String> alive = ConcurrentHashMap.newKeySet();
        alive.add(good);
        ScheduledExecutorService heart = heartbeat(alive);
        try {
            for (String n : List.of(good, dead1, dead2)) {
                register(n, zone);
            }
            Await.until("both silent nodes tainted", WAIT, () -> hasUnreachableTaint(dead1) && hasUnreachableTaint(dead2),
                    t -> t);
            Duration gap = Duration.between(unreachableSince(dead1), unreachableSince(dead2)).abs();
            assertTrue(gap.compareTo(Duration.ofSeconds(2)) >= 0,
                    "at 0.5 taints/s the second taint comes at least 2 s after the first; gap " + gap);
            assertTrue(!hasUnreachableTaint(good));
        } finally {
            heart.shutdownNow();
            deleteNodes(good, dead1, dead2);
        }
    }

    @Test
    void podOfAReplicaSetOnASilentNodeIsEvictedAndReplaced() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 6);
        String good = "cm-nl-rgood-" + id;
        String dead = "cm-nl-rdead-" + id;
        ensureLeaseNamespace();
        String ns = fixture.namespace("cm-nl");
        ScheduledExecutorService heart = Executors.newSingleThreadScheduledExecutor();
        try {
            register(good);
            register(dead);
            heart.scheduleWithFixedDelay(() -> {
                try {
                    renew(good);
                } catch (RuntimeException ignored) {
                    // a conflicting write is retried on the next beat
                }
            }, 0, 300, TimeUnit.MILLISECONDS);
            fixture.client().apps().replicaSets().inNamespace(ns).resource(new ReplicaSetBuilder().withNewMetadata().withName("rs")
                    .endMetadata().withNewSpec().withReplicas(1)
                    .withNewSelector().withMatchLabels(Map.of("app", "rs")).endSelector()
                    .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "rs")).endMetadata()
                    .withNewSpec().withNodeName(dead).withTolerations(new TolerationBuilder()
                            .withKey("node.kubernetes.io/unreachable").withOperator("Exists").withEffect("NoExecute")
                            .withTolerationSeconds(1L).build())
                    .addNewContainer().withName("c").withImage("keelson/c:1").endContainer().endSpec()
                    .endTemplate().endSpec().build()).create();
            Pod original = Await.until("replica set pod", WAIT,
                    () -> fixture.client().pods().inNamespace(ns).withLabel("app", "rs").list().getItems(), l -> l.size() == 1).get(0);
            Await.until("dead node tainted", WAIT, () -> hasUnreachableTaint(dead), t -> t);
            Await.until("original pod evicted", WAIT, () -> gone(ns, original.getMetadata().getName()), g -> g);
            Await.until("replacement pod created", WAIT,
                    () -> fixture.client().pods().inNamespace(ns).withLabel("app", "rs").list().getItems(),
                    l -> l.stream().anyMatch(p -> !p.getMetadata().getUid().equals(original.getMetadata().getUid())
                            && p.getMetadata().getDeletionTimestamp() == null));
            assertTrue(!hasUnreachableTaint(good), "the heartbeating node stays untainted");
        } finally {
            heart.shutdownNow();
            fixture.client().apps().replicaSets().inNamespace(ns).withName("rs").delete();
            deleteNodes(good, dead);
        }
    }
}
