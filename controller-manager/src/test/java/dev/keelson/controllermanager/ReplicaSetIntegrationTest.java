package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ReplicaSetIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.allControllers();

    static ReplicaSet replicaSet(String ns, String name, int replicas) {
        return new ReplicaSetBuilder()
                .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("keelson/nginx:1").endContainer().endSpec()
                .endTemplate()
                .endSpec().build();
    }

    private static List<Pod> activePods(String ns, String app) {
        return fixture.client().pods().inNamespace(ns).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).collect(Collectors.toList());
    }

    @Test
    void replicaSetKeepsReplicasAndRecreatesDeletedPodWithoutDoubleCreates() {
        String ns = fixture.namespace("cm-rs");
        Set<String> created = ConcurrentHashMap.newKeySet();
        try (Watch ignored = fixture.client().pods().inNamespace(ns).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED) {
                    created.add(pod.getMetadata().getUid());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        })) {
            ReplicaSet rs = fixture.client().apps().replicaSets().inNamespace(ns).resource(replicaSet(ns, "web", 3)).create();
            List<Pod> pods = Await.until("3 pods", WAIT, () -> activePods(ns, "web"), p -> p.size() == 3);
            for (Pod p : pods) {
                assertTrue(p.getMetadata().getName().startsWith("web-"), p.getMetadata().getName());
                var ref = p.getMetadata().getOwnerReferences().get(0);
                assertEquals(rs.getMetadata().getUid(), ref.getUid());
                assertEquals(Boolean.TRUE, ref.getController());
                assertEquals(Boolean.TRUE, ref.getBlockOwnerDeletion());
            }
            fixture.client().pods().inNamespace(ns).withName(pods.get(0).getMetadata().getName()).delete();
            Await.until("replacement pod", WAIT, () -> activePods(ns, "web"),
                    p -> p.size() == 3 && p.stream().noneMatch(x -> x.getMetadata().getName().equals(pods.get(0).getMetadata().getName())));
            ReplicaSet status = Await.until("status.replicas 3", WAIT,
                    () -> fixture.client().apps().replicaSets().inNamespace(ns).withName("web").get(),
                    r -> r.getStatus() != null && Integer.valueOf(3).equals(r.getStatus().getReplicas())
                            && r.getMetadata().getGeneration().equals(r.getStatus().getObservedGeneration()));
            assertEquals(3, status.getStatus().getFullyLabeledReplicas());
            assertEquals(4, created.size(), "exactly one pod re-created, pods seen: " + created.size());
            assertEquals(3, activePods(ns, "web").size());
        }
    }

    @Test
    void scaleDownDeletesNotReadyPodsBeforeReadyOnesAndReportsReadiness() {
        String ns = fixture.namespace("cm-rs");
        fixture.client().apps().replicaSets().inNamespace(ns).resource(replicaSet(ns, "api", 4)).create();
        List<Pod> pods = Await.until("4 pods", WAIT, () -> activePods(ns, "api"), p -> p.size() == 4);
        HollowKubelet.setReady(fixture.client(), pods.get(0), true);
        HollowKubelet.setReady(fixture.client(), pods.get(1), true);
        HollowKubelet.setReady(fixture.client(), pods.get(2), false);
        ReplicaSet ready = Await.until("readyReplicas 2", WAIT,
                () -> fixture.client().apps().replicaSets().inNamespace(ns).withName("api").get(),
                r -> r.getStatus() != null && Integer.valueOf(2).equals(r.getStatus().getReadyReplicas()));
        assertEquals(2, ready.getStatus().getAvailableReplicas());

        fixture.client().apps().replicaSets().inNamespace(ns).withName("api").scale(2);
        List<Pod> left = Await.until("2 pods", WAIT, () -> activePods(ns, "api"), p -> p.size() == 2);
        Set<String> names = left.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
        assertEquals(Set.of(pods.get(0).getMetadata().getName(), pods.get(1).getMetadata().getName()), names,
                "the two ready pods survive a scale-down");
    }

    @Test
    void orphanIsAdoptedAndPodThatStopsMatchingIsReleasedAndReplaced() {
        String ns = fixture.namespace("cm-rs");
        fixture.client().pods().inNamespace(ns).resource(new PodBuilder()
                .withNewMetadata().withName("orphan").withLabels(Map.of("app", "db")).endMetadata()
                .withNewSpec().addNewContainer().withName("db").withImage("keelson/db:1").endContainer().endSpec()
                .build()).create();
        ReplicaSet rs = fixture.client().apps().replicaSets().inNamespace(ns).resource(replicaSet(ns, "db", 2)).create();
        Pod adopted = Await.until("orphan adopted", WAIT, () -> fixture.client().pods().inNamespace(ns).withName("orphan").get(),
                p -> p.getMetadata().getOwnerReferences() != null && !p.getMetadata().getOwnerReferences().isEmpty());
        assertEquals(rs.getMetadata().getUid(), adopted.getMetadata().getOwnerReferences().get(0).getUid());
        Await.until("2 pods", WAIT, () -> activePods(ns, "db"), p -> p.size() == 2);

        fixture.client().pods().inNamespace(ns).withName("orphan").edit(p -> new PodBuilder(p).editMetadata()
                .withLabels(Map.of("app", "debug")).endMetadata().build());
        Pod released = Await.until("pod released", WAIT, () -> fixture.client().pods().inNamespace(ns).withName("orphan").get(),
                p -> p.getMetadata().getOwnerReferences() == null || p.getMetadata().getOwnerReferences().isEmpty());
        assertEquals("debug", released.getMetadata().getLabels().get("app"));
        Await.until("replacement for released pod", WAIT, () -> activePods(ns, "db"), p -> p.size() == 2);
    }
}
