package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DeploymentIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.allControllers();

    static Deployment deployment(String ns, String name, int replicas, String image) {
        return new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(new IntOrString("25%")).withMaxUnavailable(new IntOrString("25%")).endRollingUpdate().endStrategy()
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec()
                .endTemplate()
                .endSpec().build();
    }

    private static Deployment get(String ns, String name) {
        return fixture.client().apps().deployments().inNamespace(ns).withName(name).get();
    }

    private static boolean rolledOut(Deployment d) {
        int want = d.getSpec().getReplicas();
        var s = d.getStatus();
        return s != null && d.getMetadata().getGeneration().equals(s.getObservedGeneration())
                && Integer.valueOf(want).equals(s.getUpdatedReplicas()) && Integer.valueOf(want).equals(s.getReplicas())
                && Integer.valueOf(want).equals(s.getAvailableReplicas());
    }

    private static List<ReplicaSet> replicaSets(String ns, String app) {
        return fixture.client().apps().replicaSets().inNamespace(ns).withLabel("app", app).list().getItems();
    }

    private static String revision(ReplicaSet rs) {
        return rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision");
    }

    private static void setImage(String ns, String name, String image) {
        edit(ns, name, d -> new DeploymentBuilder(d).editSpec()
                .editTemplate().editSpec().editFirstContainer().withImage(image).endContainer().endSpec().endTemplate()
                .endSpec().build());
    }

    /** Read-modify-write that retries on 409, as kubectl does when the controller wrote the object meanwhile. */
    static void edit(String ns, String name, UnaryOperator<Deployment> change) {
        for (int attempt = 0; ; attempt++) {
            try {
                fixture.client().apps().deployments().inNamespace(ns).withName(name).edit(change);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt > 20) {
                    throw e;
                }
            }
        }
    }

    @Test
    void rollingUpdateOfTwentyReplicasNeverBreaksSurgeOrUnavailableBoundsAndRollbackReusesOldReplicaSet() throws Exception {
        String ns = fixture.namespace("cm-deploy");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(300))) {
            fixture.client().apps().deployments().inNamespace(ns).resource(deployment(ns, "web", 20, "keelson/nginx:1")).create();
            Deployment first = Await.until("first rollout", WAIT, () -> get(ns, "web"), DeploymentIntegrationTest::rolledOut);
            assertEquals("1", first.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
            ReplicaSet rs1 = replicaSets(ns, "web").get(0);
            String hash1 = rs1.getMetadata().getLabels().get("pod-template-hash");
            assertEquals("web-" + hash1, rs1.getMetadata().getName());
            assertEquals(hash1, rs1.getSpec().getSelector().getMatchLabels().get("pod-template-hash"));
            assertEquals("20", rs1.getMetadata().getAnnotations().get("deployment.kubernetes.io/desired-replicas"));
            assertEquals("25", rs1.getMetadata().getAnnotations().get("deployment.kubernetes.io/max-replicas"));

            // Sample every pod change during the rollout: at most 20+5 pods, at least 20-5 ready.
            AtomicInteger minReady = new AtomicInteger(Integer.MAX_VALUE);
            AtomicInteger maxPods = new AtomicInteger(0);
            SharedIndexInformer<Pod> watcher = fixture.client().pods().inNamespace(ns).inform();
            Runnable sample = () -> {
                List<Pod> pods = watcher.getStore().list().stream()
                        .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
                maxPods.accumulateAndGet(pods.size(), Math::max);
                minReady.accumulateAndGet((int) pods.stream().filter(HollowKubelet::isReady).count(), Math::min);
            };
            watcher.addEventHandler(new ResourceEventHandler<>() {
                public void onAdd(Pod p) { sample.run(); }
                public void onUpdate(Pod o, Pod p) { sample.run(); }
                public void onDelete(Pod p, boolean u) { sample.run(); }
            });
            Await.until("watcher synced", WAIT, watcher::hasSynced, s -> s);
            minReady.set(Integer.MAX_VALUE);
            maxPods.set(0);
            setImage(ns, "web", "keelson/nginx:2");
            Deployment second = Await.until("second rollout", WAIT, () -> get(ns, "web"), DeploymentIntegrationTest::rolledOut);
            watcher.close();
            assertTrue(maxPods.get() <= 25, "pods never exceed replicas + maxSurge (5): max seen " + maxPods.get());
            assertTrue(minReady.get() >= 15, "ready pods never below replicas - maxUnavailable (5): min seen " + minReady.get());
            assertEquals("2", second.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));
            assertEquals(0, second.getStatus().getUnavailableReplicas() == null ? 0 : second.getStatus().getUnavailableReplicas());
            DeploymentCondition progressing = second.getStatus().getConditions().stream()
                    .filter(c -> "Progressing".equals(c.getType())).findFirst().orElseThrow();
            Await.until("Progressing NewReplicaSetAvailable", WAIT, () -> get(ns, "web").getStatus().getConditions(),
                    cs -> cs.stream().anyMatch(c -> "Progressing".equals(c.getType()) && "NewReplicaSetAvailable".equals(c.getReason())));
            assertEquals("True", progressing.getStatus());
            assertTrue(second.getStatus().getConditions().stream().anyMatch(c -> "Available".equals(c.getType())
                    && "True".equals(c.getStatus()) && "MinimumReplicasAvailable".equals(c.getReason())));
            Await.until("old replica set scaled to 0", WAIT, () -> fixture.client().apps().replicaSets().inNamespace(ns)
                    .withName(rs1.getMetadata().getName()).get(), r -> r.getSpec().getReplicas() == 0);

            // Rollback as kubectl rollout undo does it: put the old template back.
            setImage(ns, "web", "keelson/nginx:1");
            Deployment third = Await.until("rollback", WAIT, () -> get(ns, "web"), DeploymentIntegrationTest::rolledOut);
            List<ReplicaSet> sets = replicaSets(ns, "web");
            assertEquals(2, sets.size(), "rollback must reuse the old replica set, not create a third");
            ReplicaSet reused = sets.stream().filter(r -> r.getMetadata().getName().equals(rs1.getMetadata().getName()))
                    .findFirst().orElseThrow();
            assertEquals("3", revision(reused));
            assertEquals(20, reused.getSpec().getReplicas());
            assertEquals("3", third.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));

            var events = fixture.client().v1().events().inNamespace(ns).list().getItems();
            assertTrue(events.stream().anyMatch(e -> "ScalingReplicaSet".equals(e.getReason())
                    && e.getMessage().equals("Scaled up replica set " + rs1.getMetadata().getName() + " to 20"))
                    && events.stream().anyMatch(e -> e.getMessage().matches("Scaled down replica set "
                    + rs1.getMetadata().getName() + " to \\d+ from 20")),
                    "ScalingReplicaSet events: " + events.stream().map(e -> e.getMessage()).toList());
        }
    }

    @Test
    void defaultedTemplateFieldsDoNotCreateANewReplicaSet() {
        String ns = fixture.namespace("cm-deploy");
        fixture.client().apps().deployments().inNamespace(ns).resource(deployment(ns, "api", 2, "keelson/api:1")).create();
        Await.until("replica set", WAIT, () -> replicaSets(ns, "api"), l -> l.size() == 1);
        edit(ns, "api", d -> new DeploymentBuilder(d).editSpec()
                .editTemplate().editSpec().withRestartPolicy("Always").withDnsPolicy("ClusterFirst")
                .editFirstContainer().withImagePullPolicy("IfNotPresent").withTerminationMessagePath("/dev/termination-log")
                .endContainer().endSpec().endTemplate().endSpec().build());
        Deployment d = Await.until("observed", WAIT, () -> get(ns, "api"),
                x -> x.getStatus() != null && x.getMetadata().getGeneration().equals(x.getStatus().getObservedGeneration()));
        assertEquals(1, replicaSets(ns, "api").size(), "deployment " + d.getMetadata().getGeneration());
    }

    @Test
    void pausedDeploymentDoesNotRollOutUntilResumed() {
        String ns = fixture.namespace("cm-deploy");
        fixture.client().apps().deployments().inNamespace(ns).resource(deployment(ns, "p", 2, "keelson/p:1")).create();
        Await.until("replica set", WAIT, () -> replicaSets(ns, "p"), l -> l.size() == 1);
        edit(ns, "p", d -> new DeploymentBuilder(d).editSpec()
                .withPaused(true).endSpec().build());
        setImage(ns, "p", "keelson/p:2");
        Deployment paused = Await.until("paused condition", WAIT, () -> get(ns, "p"), x -> x.getStatus() != null
                && x.getMetadata().getGeneration().equals(x.getStatus().getObservedGeneration())
                && x.getStatus().getConditions().stream().anyMatch(c -> "DeploymentPaused".equals(c.getReason())));
        assertEquals(1, replicaSets(ns, "p").size(), "paused: " + paused.getStatus());
        edit(ns, "p", d -> new DeploymentBuilder(d).editSpec()
                .withPaused(false).endSpec().build());
        Await.until("new replica set after resume", WAIT, () -> replicaSets(ns, "p"), l -> l.size() == 2);
    }

    @Test
    void rolloutWithoutReadyPodsExceedsProgressDeadline() {
        String ns = fixture.namespace("cm-deploy");
        Deployment d = deployment(ns, "stuck", 2, "keelson/stuck:1");
        d.getSpec().setProgressDeadlineSeconds(2);
        fixture.client().apps().deployments().inNamespace(ns).resource(d).create();
        Deployment timedOut = Await.until("ProgressDeadlineExceeded", WAIT, () -> get(ns, "stuck"),
                x -> x.getStatus() != null && x.getStatus().getConditions() != null && x.getStatus().getConditions().stream()
                        .anyMatch(c -> "Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())));
        DeploymentCondition c = timedOut.getStatus().getConditions().stream()
                .filter(x -> "Progressing".equals(x.getType())).findFirst().orElseThrow();
        assertEquals("False", c.getStatus());
        assertTrue(timedOut.getStatus().getConditions().stream().anyMatch(x -> "Available".equals(x.getType())
                && "False".equals(x.getStatus())));
    }
}
