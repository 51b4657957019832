package dev.keelson.scheduler;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.scheduler.testing.ClusterHelper;
import dev.keelson.scheduler.testing.Fixtures;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The scheduler against a real etcd + apiserver with hollow nodes (Node objects, no kubelet):
 * what a user sees through the API when pods are placed, refused and explained.
 */
@Tag("integration")
class SchedulerIntegrationTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static Scheduler scheduler;
    private static KubernetesClient schedulerClient;
    private static ClusterHelper helper;

    private String ns;
    private String prefix;

    @BeforeAll
    static void startCluster() {
        cluster = TestCluster.start();
        client = cluster.client();
        helper = new ClusterHelper(client);
        schedulerClient = cluster.newClient();
        scheduler = new Scheduler(schedulerClient, SchedulerOptions.builder().leaderElect(false).bindAddress("127.0.0.1").securePort(0).build());
        scheduler.start();
    }

    @AfterAll
    static void stopCluster() {
        if (scheduler != null) {
            scheduler.close();
            schedulerClient.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void namespace(TestInfo info) {
        int n = SEQ.incrementAndGet();
        ns = "scheduler-it-" + n;
        prefix = "scheduler-it-" + n + "-";
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }

    @AfterEach
    void cleanUp() {
        client.pods().inNamespace(ns).withGracePeriod(0).delete();
        for (Node n : client.nodes().list().getItems()) {
            if (n.getMetadata().getName().startsWith(prefix)) {
                client.nodes().withName(n.getMetadata().getName()).delete();
            }
        }
        ClusterHelper.await("nodes of " + prefix + " to be gone", java.time.Duration.ofSeconds(30),
                () -> client.nodes().list().getItems().stream().filter(n -> n.getMetadata().getName().startsWith(prefix)).count(),
                c -> c == 0);
    }

    private String nodeName(String suffix) {
        return prefix + suffix;
    }

    private void addNode(String suffix, String cpu, String memory) {
        helper.createNode(node(nodeName(suffix), cpu, memory, 110));
    }

    private PodBuilder pod(String name, String cpu, String memory) {
        return Fixtures.pod(name, cpu, memory).editMetadata().withNamespace(ns).withUid(null).endMetadata();
    }

    private Pod create(PodBuilder pod) {
        return client.pods().inNamespace(ns).resource(pod.build()).create();
    }

    private String bound(String pod) {
        return helper.awaitBound(ns, pod);
    }

    private PodBuilder onNode(PodBuilder pod, String suffix) {
        return pod.editSpec().addToNodeSelector("kubernetes.io/hostname", nodeName(suffix)).endSpec();
    }

    @Test
    void cordonedNodeIsSkippedAndAPodThatFitsNowhereSaysWhy() {
        addNode("a", "4", "8Gi");
        helper.createNode(node(nodeName("b"), "4", "8Gi", 110).editSpec().withUnschedulable(true).endSpec());
        create(pod("web", "100m", "64Mi"));
        assertEquals(nodeName("a"), bound("web"));
        create(onNode(pod("pinned", "100m", "64Mi"), "b"));
        helper.awaitUnschedulableMessage(ns, "pinned",
                "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.");
    }

    @Test
    void podWaitsForUncordonAndThenBinds() {
        helper.createNode(node(nodeName("a"), "4", "8Gi", 110).editSpec().withUnschedulable(true).endSpec());
        create(pod("waiting", "100m", "64Mi"));
        helper.awaitUnschedulableMessage(ns, "waiting", "0/1 nodes are available: 1 node(s) were unschedulable.");
        client.nodes().withName(nodeName("a")).edit(n -> new io.fabric8.kubernetes.api.model.NodeBuilder(n)
                .editSpec().withUnschedulable(false).endSpec().build());
        assertEquals(nodeName("a"), bound("waiting"));
    }

    @Test
    void podWaitsForANodeToBeAddedAndThenBinds() {
        addNode("small", "500m", "1Gi");
        create(pod("big", "2", "1Gi"));
        helper.awaitUnschedulableMessage(ns, "big", "0/1 nodes are available: 1 Insufficient cpu.");
        addNode("large", "4", "8Gi");
        assertEquals(nodeName("large"), bound("big"));
    }

    @Test
    void podWaitsForAnotherPodToBeDeletedAndThenBinds() {
        addNode("a", "1", "2Gi");
        create(pod("first", "800m", "64Mi"));
        assertEquals(nodeName("a"), bound("first"));
        create(pod("second", "500m", "64Mi"));
        helper.awaitUnschedulableMessage(ns, "second", "0/1 nodes are available: 1 Insufficient cpu.");
        client.pods().inNamespace(ns).withName("first").withGracePeriod(0).delete();
        assertEquals(nodeName("a"), bound("second"));
    }

    @Test
    void nodeSelectorAndRequiredAffinityChooseTheMatchingNode() {
        helper.createNode(node(nodeName("a"), "4", "8Gi", 110).editMetadata().addToLabels("zone", "a").endMetadata());
        helper.createNode(node(nodeName("b"), "4", "8Gi", 110).editMetadata().addToLabels("zone", "b").endMetadata());
        create(pod("selector", "100m", "64Mi").editSpec().addToNodeSelector("zone", "b").endSpec());
        create(pod("affinity", "100m", "64Mi").editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("zone").withOperator("NotIn").withValues("b").endMatchExpression().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec());
        create(pod("nowhere", "100m", "64Mi").editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("zone").withOperator("In").withValues("c").endMatchExpression().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec());
        assertEquals(nodeName("b"), bound("selector"));
        assertEquals(nodeName("a"), bound("affinity"));
        helper.awaitUnschedulableMessage(ns, "nowhere", "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
    }

    @Test
    void taintedNodeTakesOnlyPodsThatTolerateIt() {
        helper.createNode(node(nodeName("gpu"), "4", "8Gi", 110).editSpec().addNewTaint().withKey("dedicated").withValue("gpu")
                .withEffect("NoSchedule").endTaint().endSpec());
        addNode("plain", "4", "8Gi");
        create(pod("ordinary", "100m", "64Mi"));
        create(onNode(pod("tolerant", "100m", "64Mi"), "gpu").editSpec().addNewToleration().withKey("dedicated")
                .withOperator("Equal").withValue("gpu").withEffect("NoSchedule").endToleration().endSpec());
        create(onNode(pod("intolerant", "100m", "64Mi"), "gpu"));
        assertEquals(nodeName("plain"), bound("ordinary"));
        assertEquals(nodeName("gpu"), bound("tolerant"));
        helper.awaitUnschedulableMessage(ns, "intolerant",
                "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}.");
    }

    @Test
    void notReadyNodeIsAvoided() {
        helper.createNode(node(nodeName("down"), "4", "8Gi", 110).editStatus().editFirstCondition().withStatus("False")
                .withReason("KubeletNotReady").endCondition().endStatus());
        addNode("up", "4", "8Gi");
        create(pod("p", "100m", "64Mi"));
        create(onNode(pod("pinned", "100m", "64Mi"), "down"));
        assertEquals(nodeName("up"), bound("p"));
        helper.awaitUnschedulableMessage(ns, "pinned",
                "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.");
    }

    @Test
    void resourcesAreCheckedAgainstAllocatableIncludingInitContainers() {
        addNode("small", "1", "2Gi");
        addNode("large", "4", "8Gi");
        create(pod("needs-two", "2", "1Gi"));
        // app container is small, but its init container needs 3 cpu: only the large node fits
        create(pod("init-heavy", "100m", "64Mi").editSpec().addNewInitContainer().withName("init").withImage("busybox")
                .withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("1500m")).endResources()
                .endInitContainer().endSpec());
        create(pod("too-big", "8", "1Gi"));
        create(pod("too-much-memory", "100m", "16Gi"));
        assertEquals(nodeName("large"), bound("needs-two"));
        assertEquals(nodeName("large"), bound("init-heavy"));
        helper.awaitUnschedulableMessage(ns, "too-big", "0/2 nodes are available: 2 Insufficient cpu.");
        helper.awaitUnschedulableMessage(ns, "too-much-memory", "0/2 nodes are available: 2 Insufficient memory.");
    }

    @Test
    void podsWithTheSameHostPortGoToDifferentNodes() {
        addNode("a", "4", "8Gi");
        addNode("b", "4", "8Gi");
        Set<String> nodes = new HashSet<>();
        for (String name : List.of("port-1", "port-2", "port-3")) {
            create(pod(name, "100m", "64Mi").editSpec().editFirstContainer().addNewPort().withContainerPort(80).withHostPort(8080)
                    .endPort().endContainer().endSpec());
        }
        // two of the three bind, one on each node; the third is refused
        ClusterHelper.await("two port pods bound", java.time.Duration.ofSeconds(30),
                () -> client.pods().inNamespace(ns).list().getItems().stream()
                        .filter(p -> p.getSpec().getNodeName() != null).map(p -> p.getSpec().getNodeName()).toList(),
                l -> l.size() == 2);
        client.pods().inNamespace(ns).list().getItems().stream().filter(p -> p.getSpec().getNodeName() != null)
                .forEach(p -> nodes.add(p.getSpec().getNodeName()));
        assertEquals(Set.of(nodeName("a"), nodeName("b")), nodes);
        Pod refused = client.pods().inNamespace(ns).list().getItems().stream().filter(p -> p.getSpec().getNodeName() == null)
                .findFirst().orElseThrow();
        helper.awaitUnschedulableMessage(ns, refused.getMetadata().getName(),
                "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports.");
    }

    @Test
    void podWithNodeNameBypassesTheSchedulerButItsRequestsCount() {
        addNode("a", "2", "8Gi");
        addNode("b", "2", "8Gi");
        create(pod("preassigned", "1500m", "64Mi").editSpec().withNodeName(nodeName("a")).endSpec());
        assertEquals(nodeName("a"), bound("preassigned"));
        create(pod("next", "1", "64Mi"));
        assertEquals(nodeName("b"), bound("next"));
    }

    @Test
    void scoringPrefersEmptierNodesPreferredAffinityAndUntaintedNodes() {
        addNode("busy", "4", "8Gi");
        addNode("idle", "4", "8Gi");
        helper.createNode(node(nodeName("soft"), "4", "8Gi", 110).editSpec().addNewTaint().withKey("spot")
                .withEffect("PreferNoSchedule").endTaint().endSpec());
        create(pod("filler", "3", "6Gi").editSpec().withNodeName(nodeName("busy")).endSpec());
        bound("filler");
        create(pod("least", "500m", "512Mi"));
        assertEquals(nodeName("idle"), bound("least"));
        create(pod("prefers-busy", "100m", "64Mi").editSpec().withNewAffinity().withNewNodeAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(100).withNewPreference()
                .addNewMatchExpression().withKey("kubernetes.io/hostname").withOperator("In").withValues(nodeName("busy"))
                .endMatchExpression().endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec());
        assertEquals(nodeName("busy"), bound("prefers-busy"));
        for (int i = 0; i < 4; i++) {
            create(pod("spread-" + i, "100m", "64Mi"));
            assertNotEquals(nodeName("soft"), bound("spread-" + i), "PreferNoSchedule node is the last choice");
        }
    }

    @Test
    void replicasOfOneOwnerAreSpreadOverNodes() {
        for (String n : List.of("a", "b", "c")) {
            addNode(n, "8", "16Gi");
        }
        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            create(pod("replica-" + i, "100m", "64Mi").editMetadata().addNewOwnerReference().withApiVersion("apps/v1")
                    .withKind("ReplicaSet").withName("web").withUid("6b0d5b64-0000-4000-8000-000000000001")
                    .withController(true).endOwnerReference().endMetadata());
            perNode.merge(bound("replica-" + i), 1, Integer::sum);
        }
        assertEquals(Map.of(nodeName("a"), 2, nodeName("b"), 2, nodeName("c"), 2), perNode);
    }

    @Test
    void eventsTellWhatHappened() {
        addNode("a", "1", "1Gi");
        create(pod("ok", "100m", "64Mi"));
        create(pod("huge", "2", "64Mi"));
        bound("ok");
        List<Event> okEvents = ClusterHelper.await("a Scheduled event", java.time.Duration.ofSeconds(30),
                () -> helper.eventsFor(ns, "ok"), l -> l.stream().anyMatch(e -> "Scheduled".equals(e.getReason())));
        Event scheduled = okEvents.stream().filter(e -> "Scheduled".equals(e.getReason())).findFirst().orElseThrow();
        assertEquals("Normal", scheduled.getType());
        assertEquals("Successfully assigned " + ns + "/ok to " + nodeName("a"), scheduled.getMessage());
        assertEquals("default-scheduler", scheduled.getSource().getComponent());
        List<Event> hugeEvents = ClusterHelper.await("a FailedScheduling event", java.time.Duration.ofSeconds(30),
                () -> helper.eventsFor(ns, "huge"), l -> l.stream().anyMatch(e -> "FailedScheduling".equals(e.getReason())));
        Event failed = hugeEvents.stream().filter(e -> "FailedScheduling".equals(e.getReason())).findFirst().orElseThrow();
        assertEquals("Warning", failed.getType());
        assertEquals("0/1 nodes are available: 1 Insufficient cpu.", failed.getMessage());
        Pod huge = client.pods().inNamespace(ns).withName("huge").get();
        assertEquals("Unschedulable", ClusterHelper.podScheduled(huge).getReason());
    }

    @Test
    void fiveHundredPodsAtOnceNeverOvercommitTenNodes() throws Exception {
        for (int i = 0; i < 10; i++) {
            addNode("n" + i, "4", "8Gi");
        }
        // 40 pods fit per node by cpu, so 400 of 500 bind and 100 must stay pending
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> creates = new java.util.ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String name = "burst-" + i;
                creates.add(pool.submit(() -> create(pod(name, "100m", "100Mi"))));
            }
            for (Future<?> f : creates) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Pod> pods = ClusterHelper.await("400 pods bound and 100 explained", java.time.Duration.ofSeconds(90),
                () -> client.pods().inNamespace(ns).list().getItems(),
                l -> l.stream().filter(p -> p.getSpec().getNodeName() != null).count() == 400
                        && l.stream().filter(p -> p.getSpec().getNodeName() == null && ClusterHelper.podScheduled(p) != null).count() == 100);
        Map<String, Integer> perNode = new HashMap<>();
        for (Pod p : pods) {
            if (p.getSpec().getNodeName() != null) {
                perNode.merge(p.getSpec().getNodeName(), 1, Integer::sum);
            }
        }
        assertEquals(10, perNode.size());
        perNode.forEach((node, count) -> assertEquals(40, count, node + " holds " + count + " pods of 100m on 4 cpu"));
        for (Pod p : pods) {
            if (p.getSpec().getNodeName() == null) {
                helper.awaitUnschedulableMessage(ns, p.getMetadata().getName(), "0/10 nodes are available: 10 Insufficient cpu.");
            }
        }
    }

    @Test
    void healthAndMetricsAreServed() throws Exception {
        addNode("a", "4", "8Gi");
        create(pod("counted", "100m", "64Mi"));
        bound("counted");
        HttpClient http = HttpClient.newHttpClient();
        int port = scheduler.healthPort();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("ok", health.body());
        String metrics = ClusterHelper.await("scheduled attempts in /metrics", java.time.Duration.ofSeconds(10), () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (Exception e) {
                return e.toString();
            }
        }, m -> m.contains("scheduler_schedule_attempts_total{result=\"scheduled\"}"));
        assertTrue(metrics.contains("scheduler_e2e_scheduling_duration_seconds_bucket"), "latency histogram");
        assertTrue(metrics.contains("scheduler_pending_pods{queue=\"unschedulable\"}"), "queue sizes");
    }
}
