package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import dev.keelson.scheduler.Scheduler;
import dev.keelson.scheduler.SchedulerOptions;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DaemonSets on hollow nodes with the real scheduler binding their pods (through the metadata.name node affinity the
 * controller sets): one pod per eligible node, following nodes added, removed, relabelled and tainted; a rolling
 * update driven and observed with the real kubectl (rollout status, history, undo).
 */
class DaemonSetIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("daemonset",
            "garbagecollector")));
    private static KubernetesClient schedulerClient;
    private static Scheduler scheduler;

    @BeforeAll
    static void startScheduler() {
        schedulerClient = fixture.cluster().newClient();
        scheduler = new Scheduler(schedulerClient, SchedulerOptions.builder().leaderElect(false)
                .bindAddress("127.0.0.1").securePort(0).build());
        scheduler.start();
    }

    @AfterAll
    static void stopScheduler() {
        scheduler.close();
        schedulerClient.close();
    }

    private static String node(String prefix, Map<String, String> labels) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"),
                "pods", new Quantity("110"));
        Node created = fixture.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .withLabels(labels).endMetadata().build()).create();
        created.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withCapacity(capacity)
                .withAllocatable(capacity).withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True")
                        .withReason("KubeletReady").build()).build());
        fixture.client().nodes().resource(created).updateStatus();
        return name;
    }

    private static DaemonSet daemonSet(String ns, String name, Map<String, String> nodeSelector, String image) {
        return new DaemonSetBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().withNodeSelector(nodeSelector).addNewContainer().withName("c").withImage(image)
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    /** Node name of every live pod of the namespace, sorted. */
    private static Map<String, String> podsByNode(String ns) {
        Map<String, String> out = new TreeMap<>();
        for (Pod p : fixture.client().pods().inNamespace(ns).list().getItems()) {
            if (p.getMetadata().getDeletionTimestamp() == null) {
                out.put(String.valueOf(p.getSpec().getNodeName()), p.getSpec().getContainers().get(0).getImage());
            }
        }
        return out;
    }

    private static long livePods(String ns) {
        return fixture.client().pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).count();
    }

    private static void taint(String node, String key, String effect) {
        fixture.client().nodes().withName(node).edit(n -> {
            if (n.getSpec() == null) {
                n.setSpec(new io.fabric8.kubernetes.api.model.NodeSpec());
            }
            List<Taint> taints = n.getSpec().getTaints() == null ? new ArrayList<>() : new ArrayList<>(n.getSpec().getTaints());
            taints.add(new Taint(effect, key, null, null));
            n.getSpec().setTaints(taints);
            return n;
        });
    }

    @Test
    void onePodPerEligibleNodeFollowingNodesAddedRemovedAndTainted() {
        String ns = fixture.namespace("ds-nodes");
        String zone = "z" + UUID.randomUUID().toString().substring(0, 6);
        String a = node("web-a", Map.of("role", zone));
        String b = node("web-b", Map.of("role", zone));
        node("other", Map.of("role", "other"));
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(50), true)) {
            fixture.client().apps().daemonSets().inNamespace(ns).resource(daemonSet(ns, "agent", Map.of("role", zone),
                    "agent:1")).create();
            Map<String, String> placed = Await.until("one bound pod on each labelled node", WAIT, () -> podsByNode(ns),
                    m -> m.keySet().equals(new java.util.TreeSet<>(List.of(a, b))));
            assertEquals(2, placed.size());
            Pod pod = fixture.client().pods().inNamespace(ns).list().getItems().get(0);
            assertEquals("metadata.name", pod.getSpec().getAffinity().getNodeAffinity()
                    .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0).getMatchFields()
                    .get(0).getKey(), "the pod reaches its node through the scheduler, by node affinity");
            assertTrue(pod.getSpec().getTolerations().stream().anyMatch(t -> "node.kubernetes.io/unreachable"
                    .equals(t.getKey()) && "NoExecute".equals(t.getEffect())), "daemon tolerations added");
            DaemonSet ds = Await.until("status counts", WAIT, () -> fixture.client().apps().daemonSets()
                    .inNamespace(ns).withName("agent").get(), d -> d.getStatus() != null
                    && Integer.valueOf(2).equals(d.getStatus().getNumberAvailable()));
            assertEquals(2, ds.getStatus().getDesiredNumberScheduled());
            assertEquals(2, ds.getStatus().getCurrentNumberScheduled());
            assertEquals(2, ds.getStatus().getUpdatedNumberScheduled());
            assertEquals(0, ds.getStatus().getNumberMisscheduled());

            String c = node("web-c", Map.of("role", zone));
            Await.until("the new node gets its pod", WAIT, () -> podsByNode(ns), m -> m.containsKey(c) && m.size() == 3);

            fixture.client().nodes().withName(b).delete();
            Await.until("the removed node's pod goes", WAIT, () -> podsByNode(ns), m -> !m.containsKey(b) && m.size() == 2);

            taint(a, "maintenance", "NoSchedule");
            DaemonSet mis = Await.until("a NoSchedule taint keeps the running pod, counted misscheduled", WAIT,
                    () -> fixture.client().apps().daemonSets().inNamespace(ns).withName("agent").get(),
                    d -> d.getStatus() != null && Integer.valueOf(1).equals(d.getStatus().getNumberMisscheduled()));
            assertEquals(1, mis.getStatus().getDesiredNumberScheduled());
            assertTrue(podsByNode(ns).containsKey(a));
            taint(a, "evict", "NoExecute");
            Await.until("an untolerated NoExecute taint removes it", WAIT, () -> podsByNode(ns),
                    m -> !m.containsKey(a) && m.size() == 1);

            fixture.client().nodes().withName(c).edit(n -> {
                n.getMetadata().getLabels().put("role", "other");
                return n;
            });
            Await.until("a node that stops matching the selector loses its pod", WAIT, () -> livePods(ns), n -> n == 0);
        }
    }

    private record Result(int exit, String out) {
    }

    private static Result kubectl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String ok(String... args) throws IOException, InterruptedException {
        Result r = kubectl(args);
        assertEquals(0, r.exit(), "kubectl " + String.join(" ", args) + ": " + r.out());
        return r.out();
    }

    private static List<String> lines(String out) {
        return out.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void rollingUpdateReplacesEveryPodAndKubectlRolloutFollowsIt() throws Exception {
        String ns = fixture.namespace("ds-roll");
        String zone = "r" + UUID.randomUUID().toString().substring(0, 6);
        List<String> nodes = List.of(node("r1", Map.of("pool", zone)), node("r2", Map.of("pool", zone)),
                node("r3", Map.of("pool", zone)));
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(50), true)) {
            DaemonSet ds = daemonSet(ns, "logs", Map.of("pool", zone), "logs:1");
            fixture.client().apps().daemonSets().inNamespace(ns).resource(ds).create();
            String status = ok("rollout", "status", "ds/logs", "-n", ns, "--timeout=60s");
            assertEquals("daemon set \"logs\" successfully rolled out", lines(status).get(lines(status).size() - 1));
            assertEquals(3, podsByNode(ns).size());

            ok("set", "image", "ds/logs", "c=logs:2", "-n", ns);
            status = ok("rollout", "status", "ds/logs", "-n", ns, "--timeout=60s");
            assertEquals("daemon set \"logs\" successfully rolled out", lines(status).get(lines(status).size() - 1),
                    status);
            Map<String, String> after = Await.until("every node runs the new image", WAIT, () -> podsByNode(ns),
                    m -> m.size() == 3 && m.values().stream().allMatch("logs:2"::equals));
            assertEquals(new java.util.TreeSet<>(nodes), after.keySet());

            assertEquals(List.of("daemonset.apps/logs", "REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"),
                    lines(ok("rollout", "history", "ds/logs", "-n", ns)).stream()
                            .map(l -> l.replaceAll("\\s+$", "")).toList());
            assertEquals(List.of("daemonset.apps/logs rolled back"), lines(ok("rollout", "undo", "ds/logs", "-n", ns)));
            Await.until("the undo rolls every node back", WAIT, () -> podsByNode(ns),
                    m -> m.size() == 3 && m.values().stream().allMatch("logs:1"::equals));
            assertEquals(List.of("daemonset.apps/logs restarted"), lines(ok("rollout", "restart", "ds/logs", "-n", ns)));
            status = ok("rollout", "status", "ds/logs", "-n", ns, "--timeout=60s");
            assertTrue(status.contains("successfully rolled out"), status);
        }
    }
}
