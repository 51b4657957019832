package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real kubectl 1.32 drives Deployments; its output is compared with what it prints against Kubernetes. */
class KubectlRolloutIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("replicaset", "deployment", "garbagecollector")));

    private record Result(int exit, String out) {}

    private static Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String kubectl(String... args) throws IOException, InterruptedException {
        Result r = run(args);
        if (r.exit() != 0) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + r.exit() + ": " + r.out());
        }
        return r.out();
    }

    /** Lines without trailing blanks, so tabwriter padding at line ends does not matter. */
    private static List<String> lines(String out) {
        return out.lines().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
    }

    private static Deployment get(String ns, String name) {
        return fixture.client().apps().deployments().inNamespace(ns).withName(name).get();
    }

    private static String image(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static String lastLine(String out) {
        List<String> l = lines(out);
        return l.get(l.size() - 1);
    }

    private static void rolledOut(String ns, String name) throws Exception {
        String out = kubectl("rollout", "status", "deployment/" + name, "-n", ns, "--timeout=60s");
        assertEquals("deployment \"" + name + "\" successfully rolled out", lastLine(out), out);
    }

    @Test
    void rolloutHistoryUndoToRevisionRestartPauseResumeAndScalePrintWhatKubernetesPrints() throws Exception {
        String ns = fixture.namespace("cm-kubectl");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(100))) {
            fixture.client().apps().deployments().inNamespace(ns)
                    .resource(DeploymentIntegrationTest.deployment(ns, "web", 3, "keelson/web:1")).create();
            rolledOut(ns, "web");
            for (String v : List.of("2", "3")) {
                assertEquals("deployment.apps/web image updated",
                        lastLine(kubectl("set", "image", "deployment/web", "web=keelson/web:" + v, "-n", ns)));
                rolledOut(ns, "web");
            }
            assertEquals(List.of("deployment.apps/web", "REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>",
                    "3         <none>"), lines(kubectl("rollout", "history", "deployment/web", "-n", ns)));
            String rev2 = kubectl("rollout", "history", "deployment/web", "-n", ns, "--revision=2");
            List<String> rev2Lines = lines(rev2);
            assertEquals("deployment.apps/web with revision #2", rev2Lines.get(0), rev2);
            assertEquals("Pod Template:", rev2Lines.get(1), rev2);
            assertTrue(rev2Lines.stream().anyMatch(l -> l.matches("\\s+Image:\\s+keelson/web:2")), rev2);
            assertTrue(rev2Lines.stream().anyMatch(l -> l.matches("\\s+pod-template-hash=\\w+")), rev2);

            assertEquals("deployment.apps/web rolled back",
                    lastLine(kubectl("rollout", "undo", "deployment/web", "-n", ns, "--to-revision=1")));
            rolledOut(ns, "web");
            assertEquals("keelson/web:1", image(get(ns, "web")));
            assertEquals(List.of("2", "3", "4"), revisions(kubectl("rollout", "history", "deployment/web", "-n", ns)),
                    "revision 1 becomes the newest, 4");
            assertEquals(3, fixture.client().apps().replicaSets().inNamespace(ns).list().getItems().size(),
                    "undo reuses the replica set of revision 1");

            assertEquals("deployment.apps/web rolled back", lastLine(kubectl("rollout", "undo", "deployment/web", "-n", ns)));
            rolledOut(ns, "web");
            assertEquals("keelson/web:3", image(get(ns, "web")), "undo goes back to the previous revision");
            assertEquals(List.of("2", "4", "5"), revisions(kubectl("rollout", "history", "deployment/web", "-n", ns)));

            Result missing = run("rollout", "undo", "deployment/web", "-n", ns, "--to-revision=9");
            assertEquals(1, missing.exit(), missing.out());
            assertEquals("error: unable to find specified revision 9 in history", lastLine(missing.out()));

            assertEquals("deployment.apps/web restarted", lastLine(kubectl("rollout", "restart", "deployment/web", "-n", ns)));
            rolledOut(ns, "web");
            Deployment restarted = get(ns, "web");
            assertTrue(restarted.getSpec().getTemplate().getMetadata().getAnnotations()
                    .containsKey("kubectl.kubernetes.io/restartedAt"), "restart stamps the template");
            assertEquals("6", restarted.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));

            assertEquals("deployment.apps/web paused", lastLine(kubectl("rollout", "pause", "deployment/web", "-n", ns)));
            kubectl("set", "image", "deployment/web", "web=keelson/web:4", "-n", ns);
            Deployment paused = Await.until("paused deployment observed", WAIT, () -> get(ns, "web"),
                    d -> d.getStatus() != null && d.getMetadata().getGeneration().equals(d.getStatus().getObservedGeneration()));
            assertEquals("6", paused.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"),
                    "a paused deployment does not start a new revision");
            assertTrue(replicaSetImages(ns).stream().noneMatch("keelson/web:4"::equals), "no replica set for the paused change");
            assertEquals("deployment.apps/web resumed", lastLine(kubectl("rollout", "resume", "deployment/web", "-n", ns)));
            rolledOut(ns, "web");
            assertEquals("7", get(ns, "web").getMetadata().getAnnotations().get("deployment.kubernetes.io/revision"));

            assertEquals("deployment.apps/web scaled", lastLine(kubectl("scale", "deployment/web", "-n", ns, "--replicas=5")));
            rolledOut(ns, "web");
            Await.until("5 pods", WAIT, () -> activePods(ns), n -> n == 5);
            assertEquals("deployment.apps/web scaled", lastLine(kubectl("scale", "deployment/web", "-n", ns, "--replicas=1")));
            rolledOut(ns, "web");
            Await.until("1 pod after scaling down", WAIT, () -> activePods(ns), n -> n == 1);
        }
    }

    @Test
    void recreateStrategyRemovesEveryOldPodBeforeCreatingNewOnes() throws Exception {
        String ns = fixture.namespace("cm-kubectl");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(100))) {
            Deployment d = DeploymentIntegrationTest.deployment(ns, "batch", 4, "keelson/batch:1");
            d.getSpec().getStrategy().setType("Recreate");
            d.getSpec().getStrategy().setRollingUpdate(null);
            fixture.client().apps().deployments().inNamespace(ns).resource(d).create();
            rolledOut(ns, "batch");

            // Every pod change is sampled: old and new pods (by pod-template-hash) must never be alive together.
            Set<String> mixes = ConcurrentHashMap.newKeySet();
            AtomicInteger samples = new AtomicInteger();
            SharedIndexInformer<Pod> watcher = fixture.client().pods().inNamespace(ns).inform();
            Runnable sample = () -> {
                samples.incrementAndGet();
                Set<String> hashes = watcher.getStore().list().stream()
                        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                        .map(p -> p.getMetadata().getLabels().get("pod-template-hash")).collect(Collectors.toSet());
                if (hashes.size() > 1) {
                    mixes.add(hashes.toString());
                }
            };
            watcher.addEventHandler(new ResourceEventHandler<>() {
                public void onAdd(Pod p) { sample.run(); }
                public void onUpdate(Pod o, Pod p) { sample.run(); }
                public void onDelete(Pod p, boolean u) { sample.run(); }
            });
            try {
                Await.until("watcher synced", WAIT, watcher::hasSynced, s -> s);
                assertEquals("deployment.apps/batch image updated",
                        lastLine(kubectl("set", "image", "deployment/batch", "web=keelson/batch:2", "-n", ns)));
                rolledOut(ns, "batch");
            } finally {
                watcher.close();
            }
            assertTrue(samples.get() > 8, "pod changes sampled: " + samples.get());
            assertTrue(mixes.isEmpty(), "old and new pods alive together: " + mixes);
            assertEquals(List.of("1", "2"), revisions(kubectl("rollout", "history", "deployment/batch", "-n", ns)));
        }
    }

    @Test
    void kubectlDeleteCascadeOrphanKeepsReplicaSetsAndForegroundRemovesThem() throws Exception {
        String ns = fixture.namespace("cm-kubectl");
        fixture.client().apps().deployments().inNamespace(ns)
                .resource(DeploymentIntegrationTest.deployment(ns, "orphaned", 2, "keelson/o:1")).create();
        Await.until("2 pods", WAIT, () -> activePods(ns), n -> n == 2);
        assertEquals("deployment.apps \"orphaned\" deleted",
                lastLine(kubectl("delete", "deployment", "orphaned", "-n", ns, "--cascade=orphan")));
        ReplicaSet kept = Await.until("replica set released", WAIT,
                () -> fixture.client().apps().replicaSets().inNamespace(ns).list().getItems(),
                l -> l.size() == 1 && (l.get(0).getMetadata().getOwnerReferences() == null
                        || l.get(0).getMetadata().getOwnerReferences().isEmpty())).get(0);
        assertEquals(2L, activePods(ns), "orphaned replica set keeps its pods");

        assertEquals("replicaset.apps \"" + kept.getMetadata().getName() + "\" deleted", lastLine(kubectl("delete",
                "replicaset", kept.getMetadata().getName(), "-n", ns, "--cascade=foreground", "--wait=true")));
        assertEquals(null, fixture.client().apps().replicaSets().inNamespace(ns).withName(kept.getMetadata().getName()).get(),
                "--wait returns once the owner is gone");
        assertEquals(0L, activePods(ns), "foreground deletion removed the pods before the replica set");
    }

    private static List<String> revisions(String history) {
        return lines(history).stream().skip(2).map(l -> l.split("\\s+")[0]).toList();
    }

    private static List<String> replicaSetImages(String ns) {
        return fixture.client().apps().replicaSets().inNamespace(ns).list().getItems().stream()
                .map(ReplicaSet::getSpec).map(s -> s.getTemplate().getSpec().getContainers().get(0).getImage()).toList();
    }

    private static long activePods(String ns) {
        return fixture.client().pods().inNamespace(ns).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).count();
    }
}
