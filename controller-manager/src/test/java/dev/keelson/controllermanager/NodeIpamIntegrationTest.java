package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeIpamIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("nodeipam")));

    private static Node node(String name) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    private static List<Node> nodes(String prefix) {
        return fixture.client().nodes().list().getItems().stream().filter(n -> n.getMetadata().getName().startsWith(prefix)).toList();
    }

    @Test
    @Order(1)
    void nodesWhoseKubeletKeepsUpdatingThemGetConsecutivePodCidrs() throws Exception {
        // a kubelet writes its Node while the allocator patches it: a patch that needed the cached resourceVersion
        // failed with 409 and the retry took the next subnet, leaving gaps
        String prefix = "cm-ipam-busy-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger heartbeats = new AtomicInteger();
        ExecutorService kubelets = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 8; i++) {
                String name = prefix + i;
                fixture.client().nodes().resource(node(name)).create();
                kubelets.submit(() -> {
                    while (!done.get()) {
                        fixture.client().nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                                "{\"metadata\":{\"labels\":{\"heartbeat\":\"" + heartbeats.incrementAndGet() + "\"}}}");
                    }
                    return null;
                });
            }
            List<Integer> octets = Await.until("8 pod CIDRs", WAIT, () -> nodes(prefix), l -> l.size() == 8
                            && l.stream().allMatch(n -> n.getSpec() != null && n.getSpec().getPodCIDR() != null))
                    .stream()
                    .map(n -> Integer.parseInt(n.getSpec().getPodCIDR().split("\\.")[2])).sorted().toList();
            assertEquals(octets.get(0) + 7, octets.get(7), "pod CIDRs with gaps: third octets " + octets
                    + " (" + heartbeats.get() + " node updates meanwhile)");
        } finally {
            done.set(true);
            kubelets.shutdown();
        }
    }

    @Test
    @Order(2)
    void nodesRegisteringConcurrentlyGetUniquePodCidrsAlsoAfterARestart() throws Exception {
        String prefix = "cm-ipam-" + UUID.randomUUID().toString().substring(0, 6) + "-";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> creates = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String name = prefix + i;
                creates.add(pool.submit(() -> fixture.client().nodes().resource(node(name)).create()));
            }
            for (Future<?> f : creates) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Node> first = Await.until("20 pod CIDRs", WAIT, () -> nodes(prefix),
                l -> l.size() == 20 && l.stream().allMatch(n -> n.getSpec().getPodCIDR() != null));
        Set<String> cidrs = first.stream().map(n -> n.getSpec().getPodCIDR()).collect(Collectors.toSet());
        assertEquals(20, cidrs.size(), "duplicate pod CIDRs: " + first.stream().map(n -> n.getSpec().getPodCIDR()).toList());
        assertTrue(cidrs.stream().allMatch(c -> c.matches("10\\.244\\.\\d+\\.0/24")), cidrs.toString());

        try (KubernetesClient other = fixture.cluster().newClient();
             ControllerManager restarted = new ControllerManager(other, ControllerManagerOptions.builder()
                     .leaderElect(false).securePort(-1).controllers(List.of("nodeipam")).build())) {
            fixture.manager().close();
            restarted.start();
            fixture.client().nodes().resource(node(prefix + "late")).create();
            Node late = Await.until("late node CIDR", WAIT, () -> fixture.client().nodes().withName(prefix + "late").get(),
                    n -> n.getSpec().getPodCIDR() != null);
            Set<String> all = new HashSet<>(cidrs);
            assertTrue(all.add(late.getSpec().getPodCIDR()), "restarted allocator reused " + late.getSpec().getPodCIDR());
        }
    }
}
