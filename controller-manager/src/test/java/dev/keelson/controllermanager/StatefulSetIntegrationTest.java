package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * StatefulSets on hollow kubelets: ordinal pods created in order (each after the previous is ready), stable names,
 * hostnames and claims kept when a pod is deleted, a partitioned rolling update, scale-down from the highest ordinal,
 * and kubectl's rollout status and history.
 */
class StatefulSetIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("statefulset",
            "garbagecollector")));

    private static StatefulSet set(String ns, int replicas, String image) {
        PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder().withNewMetadata().withName("data")
                .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .withRequests(Map.of("storage", new Quantity("1Gi"))).endResources().endSpec().build();
        return new StatefulSetBuilder().withNewMetadata().withName("db").withNamespace(ns).endMetadata().withNewSpec()
                .withServiceName("db").withReplicas(replicas).withNewSelector().addToMatchLabels("app", "db")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "db").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .withVolumeClaimTemplates(claim).endSpec().build();
    }

    /** name -> image of the live pods. */
    private static Map<String, String> pods(String ns) {
        Map<String, String> out = new TreeMap<>();
        for (Pod p : fixture.client().pods().inNamespace(ns).list().getItems()) {
            if (p.getMetadata().getDeletionTimestamp() == null) {
                out.put(p.getMetadata().getName(), p.getSpec().getContainers().get(0).getImage());
            }
        }
        return out;
    }

    private static StatefulSet get(String ns) {
        return fixture.client().apps().statefulSets().inNamespace(ns).withName("db").get();
    }

    private static String kubectl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void orderedPodsKeepTheirNamesAndClaimsThroughDeletionUpdateAndScaleDown() throws Exception {
        String ns = fixture.namespace("sts");
        fixture.client().apps().statefulSets().inNamespace(ns).resource(set(ns, 3, "db:1")).create();
        Pod first = Await.until("db-0 created first", WAIT, () -> fixture.client().pods().inNamespace(ns)
                .withName("db-0").get(), p -> p != null);
        assertEquals(List.of("db-0"), new ArrayList<>(pods(ns).keySet()), "OrderedReady waits for db-0");
        assertEquals("db-0", first.getSpec().getHostname());
        assertEquals("db", first.getSpec().getSubdomain());
        assertEquals("db-0", first.getMetadata().getLabels().get("statefulset.kubernetes.io/pod-name"));
        assertEquals("0", first.getMetadata().getLabels().get("apps.kubernetes.io/pod-index"));
        assertEquals("data-db-0", first.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
        assertTrue(fixture.client().persistentVolumeClaims().inNamespace(ns).withName("data-db-0").get() != null);

        HollowKubelet.setReady(fixture.client(), first, true);
        Await.until("db-1 follows once db-0 is ready", WAIT, () -> pods(ns), m -> m.containsKey("db-1"));
        assertFalse(pods(ns).containsKey("db-2"), "db-2 waits for db-1, which nobody made ready");

        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(50), true)) {
            Await.until("3 ready replicas", WAIT, () -> get(ns),
                    s -> s.getStatus() != null && Integer.valueOf(3).equals(s.getStatus().getReadyReplicas()));
            assertEquals(List.of("db-0", "db-1", "db-2"), new ArrayList<>(pods(ns).keySet()));
            String claimUid = fixture.client().persistentVolumeClaims().inNamespace(ns).withName("data-db-1").get()
                    .getMetadata().getUid();
            String podUid = fixture.client().pods().inNamespace(ns).withName("db-1").get().getMetadata().getUid();
            fixture.client().pods().inNamespace(ns).withName("db-1").delete();
            Pod again = Await.until("db-1 comes back under its name", WAIT, () -> fixture.client().pods().inNamespace(ns)
                    .withName("db-1").get(), p -> p != null && !p.getMetadata().getUid().equals(podUid)
                    && HollowKubelet.isReady(p));
            assertEquals("data-db-1", again.getSpec().getVolumes().get(0).getPersistentVolumeClaim().getClaimName());
            assertEquals(claimUid, fixture.client().persistentVolumeClaims().inNamespace(ns).withName("data-db-1").get()
                    .getMetadata().getUid(), "the claim outlives its pod");

            fixture.client().apps().statefulSets().inNamespace(ns).withName("db").edit(s -> {
                s.getSpec().getUpdateStrategy().getRollingUpdate().setPartition(2);
                s.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("db:2");
                return s;
            });
            String out = kubectl("rollout", "status", "sts/db", "-n", ns, "--timeout=60s");
            assertTrue(out.contains("partitioned roll out complete: 1 new pods have been updated..."), out);
            assertEquals(Map.of("db-0", "db:1", "db-1", "db:1", "db-2", "db:2"), pods(ns), "only ordinals >= 2");
            StatefulSet partial = get(ns);
            assertNotEquals(partial.getStatus().getCurrentRevision(), partial.getStatus().getUpdateRevision());
            assertEquals(1, partial.getStatus().getUpdatedReplicas());

            fixture.client().apps().statefulSets().inNamespace(ns).withName("db").edit(s -> {
                s.getSpec().getUpdateStrategy().getRollingUpdate().setPartition(0);
                return s;
            });
            StatefulSet done = Await.until("the update reaches every ordinal", WAIT, () -> get(ns),
                    s -> s.getStatus().getUpdateRevision().equals(s.getStatus().getCurrentRevision())
                            && Integer.valueOf(3).equals(s.getStatus().getUpdatedReplicas())
                            && Integer.valueOf(3).equals(s.getStatus().getReadyReplicas()));
            assertEquals(Map.of("db-0", "db:2", "db-1", "db:2", "db-2", "db:2"), pods(ns));
            assertEquals(3, done.getStatus().getCurrentReplicas());
            List<String> history = kubectl("rollout", "history", "sts/db", "-n", ns).lines()
                    .map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
            assertEquals(List.of("statefulset.apps/db", "REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"),
                    history);

            assertEquals("statefulset.apps/db rolled back", kubectl("rollout", "undo", "sts/db", "-n", ns).strip());
            Await.until("the undo rolls every ordinal back to db:1", WAIT, () -> pods(ns),
                    m -> m.equals(Map.of("db-0", "db:1", "db-1", "db:1", "db-2", "db:1")));
            String restarted = kubectl("rollout", "restart", "sts/db", "-n", ns).strip();
            assertEquals("statefulset.apps/db restarted", restarted);
            String rolled = kubectl("rollout", "status", "sts/db", "-n", ns, "--timeout=60s");
            assertTrue(rolled.contains("partitioned roll out complete: 3 new pods have been updated..."), rolled);

            fixture.client().apps().statefulSets().inNamespace(ns).withName("db").scale(1);
            Await.until("scaled down to db-0", WAIT, () -> pods(ns), m -> m.keySet().equals(java.util.Set.of("db-0")));
            assertTrue(fixture.client().persistentVolumeClaims().inNamespace(ns).withName("data-db-2").get() != null,
                    "whenScaled Retain keeps the claim");
        }
    }

    @Test
    void parallelCreatesEveryOrdinalAtOnceAndDeletePoliciesRemoveClaims() {
        String ns = fixture.namespace("sts-par");
        StatefulSet set = set(ns, 3, "db:1");
        set.getSpec().setPodManagementPolicy("Parallel");
        set.getSpec().setPersistentVolumeClaimRetentionPolicy(
                new io.fabric8.kubernetes.api.model.apps.StatefulSetPersistentVolumeClaimRetentionPolicy("Delete",
                        "Delete"));
        fixture.client().apps().statefulSets().inNamespace(ns).resource(set).create();
        Await.until("all three pods without any being ready", WAIT, () -> pods(ns),
                m -> m.keySet().equals(java.util.Set.of("db-0", "db-1", "db-2")));
        PersistentVolumeClaim claim = fixture.client().persistentVolumeClaims().inNamespace(ns).withName("data-db-2")
                .get();
        assertEquals("StatefulSet", claim.getMetadata().getOwnerReferences().get(0).getKind(),
                "whenDeleted Delete: the set owns its claims");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(50), true)) {
            fixture.client().apps().statefulSets().inNamespace(ns).withName("db").scale(1);
            Await.until("whenScaled Delete: the claims of removed ordinals go with their pods", WAIT,
                    () -> fixture.client().persistentVolumeClaims().inNamespace(ns).list().getItems().stream()
                            .filter(c -> c.getMetadata().getDeletionTimestamp() == null)
                            .map(c -> c.getMetadata().getName()).sorted().toList(),
                    names -> names.equals(List.of("data-db-0")));
            assertEquals(java.util.Set.of("db-0"), pods(ns).keySet());
        }
    }
}
