package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import dev.keelson.scheduler.Scheduler;
import dev.keelson.scheduler.SchedulerOptions;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.Eviction;
import io.fabric8.kubernetes.api.model.policy.v1.EvictionBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * PodDisruptionBudgets kept by the disruption controller over a Deployment's pods on hollow nodes, the eviction
 * subresource spending them (429 once spent), and the real {@code kubectl drain} of a node evicting its pods without
 * ever leaving fewer ready pods than the budget asks.
 */
class DisruptionBudgetIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("replicaset",
            "deployment", "disruption", "daemonset", "garbagecollector")));
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

    private static String node(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, Quantity> capacity = Map.of("cpu", new Quantity("4"), "memory", new Quantity("8Gi"),
                "pods", new Quantity("110"));
        Node created = fixture.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .endMetadata().build()).create();
        created.setStatus(new NodeStatusBuilder().withCapacity(capacity).withAllocatable(capacity)
                .withConditions(new NodeConditionBuilder().withType("Ready").withStatus("True").withReason("KubeletReady")
                        .build()).build());
        fixture.client().nodes().resource(created).updateStatus();
        return name;
    }

    private static void deployment(String ns, String name, int replicas) {
        fixture.client().apps().deployments().inNamespace(ns).resource(new DeploymentBuilder().withNewMetadata()
                .withName(name).endMetadata().withNewSpec().withReplicas(replicas).withNewSelector()
                .addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata().addToLabels("app", name)
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }

    private static PodDisruptionBudget budget(String ns, String name, String app, IntOrString min, IntOrString max) {
        return fixture.client().resources(PodDisruptionBudget.class).inNamespace(ns).resource(
                new PodDisruptionBudgetBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                        .withMinAvailable(min).withMaxUnavailable(max).withNewSelector().addToMatchLabels("app", app)
                        .endSelector().endSpec().build()).create();
    }

    private static PodDisruptionBudget getBudget(String ns, String name) {
        return fixture.client().resources(PodDisruptionBudget.class).inNamespace(ns).withName(name).get();
    }

    private static List<Pod> readyPods(String ns, String app) {
        return fixture.client().pods().inNamespace(ns).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && HollowKubelet.isReady(p)).toList();
    }

    private static void evict(String ns, String pod) {
        Eviction e = new EvictionBuilder().withNewMetadata().withName(pod).withNamespace(ns).endMetadata().build();
        if (!fixture.client().pods().inNamespace(ns).withName(pod).evict(e)) {
            throw new AssertionError("eviction of " + pod + " refused with 429");
        }
    }

    @Test
    void budgetStatusFollowsThePodsAndEvictionsSpendIt() {
        String ns = fixture.namespace("pdb");
        node("pdb-node");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(50), true)) {
            deployment(ns, "web", 3);
            budget(ns, "web-min", "web", new IntOrString(2), null);
            PodDisruptionBudget pdb = Await.until("the controller counts 3 healthy of 2 needed", WAIT,
                    () -> getBudget(ns, "web-min"), b -> b.getStatus() != null
                            && Integer.valueOf(1).equals(b.getStatus().getDisruptionsAllowed()));
            assertEquals(3, pdb.getStatus().getCurrentHealthy());
            assertEquals(2, pdb.getStatus().getDesiredHealthy());
            assertEquals(3, pdb.getStatus().getExpectedPods());
            assertEquals(pdb.getMetadata().getGeneration(), pdb.getStatus().getObservedGeneration());
            assertEquals("DisruptionAllowed", pdb.getStatus().getConditions().get(0).getType());
            assertEquals("SufficientPods", pdb.getStatus().getConditions().get(0).getReason());

            List<Pod> ready = readyPods(ns, "web");
            evict(ns, ready.get(0).getMetadata().getName());
            Await.until("the evicted pod is replaced and the budget restored", WAIT, () -> getBudget(ns, "web-min"),
                    b -> Integer.valueOf(3).equals(b.getStatus().getCurrentHealthy())
                            && Integer.valueOf(1).equals(b.getStatus().getDisruptionsAllowed())
                            && readyPods(ns, "web").stream().noneMatch(p -> p.getMetadata().getUid()
                            .equals(ready.get(0).getMetadata().getUid())));

            fixture.client().resources(PodDisruptionBudget.class).inNamespace(ns).withName("web-min").edit(b -> {
                b.getSpec().setMinAvailable(new IntOrString(3));
                return b;
            });
            Await.until("minAvailable 3 of 3 allows nothing", WAIT, () -> getBudget(ns, "web-min"),
                    b -> b.getStatus().getObservedGeneration() == 2L
                            && Integer.valueOf(0).equals(b.getStatus().getDisruptionsAllowed()));
            Pod second = readyPods(ns, "web").get(0);
            boolean evicted = fixture.client().pods().inNamespace(ns).withName(second.getMetadata().getName())
                    .evict(new EvictionBuilder().withNewMetadata().withName(second.getMetadata().getName())
                            .withNamespace(ns).endMetadata().build());
            assertTrue(!evicted, "a budget that allows no disruption refuses the eviction (429)");
            assertTrue(fixture.client().pods().inNamespace(ns).withName(second.getMetadata().getName()).get()
                    .getMetadata().getDeletionTimestamp() == null, "a refused eviction deletes nothing");
            PodDisruptionBudget refused = getBudget(ns, "web-min");
            assertEquals("InsufficientPods", refused.getStatus().getConditions().get(0).getReason());

            budget(ns, "web-pct", "web", null, new IntOrString("50%"));
            PodDisruptionBudget pct = Await.until("maxUnavailable 50% of the Deployment's 3", WAIT,
                    () -> getBudget(ns, "web-pct"), b -> b.getStatus() != null
                            && Integer.valueOf(3).equals(b.getStatus().getExpectedPods()));
            assertEquals(1, pct.getStatus().getDesiredHealthy(), "3 - ceil(1.5)");
            KubernetesClientException two = null;
            try {
                evict(ns, readyPods(ns, "web").get(0).getMetadata().getName());
            } catch (KubernetesClientException e) {
                two = e;
            }
            assertEquals(500, two == null ? 0 : two.getCode(), "two budgets select the pod: Kubernetes answers 500");
        }
    }

    @Test
    void kubectlDrainEvictsWithinTheBudgetAndIgnoresDaemonSetPods() throws Exception {
        String ns = fixture.namespace("drain");
        String a = node("drain-a");
        String b = node("drain-b");
        Set<String> seenReadyBelow = ConcurrentHashMap.newKeySet();
        AtomicInteger minReady = new AtomicInteger(Integer.MAX_VALUE);
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(300), true)) {
            deployment(ns, "web", 4);
            budget(ns, "web", "web", new IntOrString(3), null);
            fixture.client().apps().daemonSets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.apps
                    .DaemonSetBuilder().withNewMetadata().withName("agent").endMetadata().withNewSpec().withNewSelector()
                    .addToMatchLabels("app", "agent").endSelector().withNewTemplate().withNewMetadata()
                    .addToLabels("app", "agent").endMetadata().withNewSpec().addNewContainer().withName("c")
                    .withImage("agent").endContainer().endSpec().endTemplate().endSpec().build()).create();
            Await.until("4 web pods ready and the budget computed", WAIT, () -> getBudget(ns, "web"),
                    x -> x.getStatus() != null && Integer.valueOf(1).equals(x.getStatus().getDisruptionsAllowed()));
            Await.until("agent pods on both nodes", WAIT, () -> readyPods(ns, "agent").size(), n -> n >= 2);
            long onA = readyPods(ns, "web").stream().filter(p -> a.equals(p.getSpec().getNodeName())).count();

            try (Watch w = fixture.client().pods().inNamespace(ns).withLabel("app", "web").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Pod pod) {
                    int n = readyPods(ns, "web").size();
                    minReady.accumulateAndGet(n, Math::min);
                    if (n < 3) {
                        seenReadyBelow.add(pod.getMetadata().getName() + " " + action + " -> " + n);
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            })) {
                Process p = new ProcessBuilder("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString(),
                        "drain", a, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s")
                        .redirectErrorStream(true).start();
                assertTrue(p.waitFor(150, TimeUnit.SECONDS), "kubectl drain finished");
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.exitValue(), out);
                assertTrue(out.contains("node/" + a + " cordoned"), out);
                assertTrue(out.contains("Warning: ignoring DaemonSet-managed Pods: " + ns + "/agent-"), out);
                assertTrue(out.contains("node/" + a + " drained"), out);
                if (onA >= 2) {
                    assertTrue(out.contains("Cannot evict pod as it would violate the pod's disruption budget."), out);
                }
            }
            assertTrue(fixture.client().nodes().withName(a).get().getSpec().getUnschedulable());
            List<Pod> web = readyPods(ns, "web");
            assertEquals(4, Await.until("4 web pods again", WAIT, () -> readyPods(ns, "web").size(), n -> n == 4));
            assertTrue(readyPods(ns, "web").stream().allMatch(p -> b.equals(p.getSpec().getNodeName())),
                    "no web pod left on the drained node: " + web);
            assertTrue(seenReadyBelow.isEmpty(), "the budget of 3 ready pods held: " + seenReadyBelow);
            List<String> agentNodes = new ArrayList<>();
            readyPods(ns, "agent").forEach(p -> agentNodes.add(p.getSpec().getNodeName()));
            assertTrue(agentNodes.contains(a), "the DaemonSet pod stays on the cordoned node: " + agentNodes);
        }
    }
}
