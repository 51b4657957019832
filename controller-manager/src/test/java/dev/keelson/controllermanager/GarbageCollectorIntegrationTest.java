package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class GarbageCollectorIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.allControllers();

    private static List<Pod> pods(String ns) {
        return fixture.client().pods().inNamespace(ns).list().getItems();
    }

    private static List<Pod> replicaSetWithPods(String ns, String name, int replicas) {
        fixture.client().apps().replicaSets().inNamespace(ns).resource(ReplicaSetIntegrationTest.replicaSet(ns, name, replicas)).create();
        return Await.until(replicas + " pods", WAIT, () -> pods(ns), p -> p.size() == replicas);
    }

    @Test
    void backgroundDeletionRemovesDependentsAfterTheOwnerIsGone() {
        String ns = fixture.namespace("cm-gc");
        replicaSetWithPods(ns, "bg", 3);
        fixture.client().apps().replicaSets().inNamespace(ns).withName("bg").withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        Await.until("pods collected", WAIT, () -> pods(ns), List::isEmpty);
    }

    @Test
    void foregroundDeletionRemovesDependentsBeforeTheOwner() {
        String ns = fixture.namespace("cm-gc");
        fixture.client().apps().deployments().inNamespace(ns).resource(DeploymentIntegrationTest.deployment(ns, "fg", 2, "keelson/fg:1")).create();
        Await.until("2 pods", WAIT, () -> pods(ns), p -> p.size() == 2);
        fixture.client().apps().deployments().inNamespace(ns).withName("fg").withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
        Deployment deleting = fixture.client().apps().deployments().inNamespace(ns).withName("fg").get();
        if (deleting != null) {
            assertTrue(deleting.getMetadata().getFinalizers().contains("foregroundDeletion"), deleting.getMetadata().toString());
        }
        Await.until("deployment gone", WAIT, () -> fixture.client().apps().deployments().inNamespace(ns).withName("fg").get() == null, g -> g);
        assertEquals(List.of(), fixture.client().apps().replicaSets().inNamespace(ns).list().getItems());
        assertEquals(List.of(), pods(ns).stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList());
    }

    @Test
    void orphanDeletionKeepsDependentsWithoutOwnerReferences() {
        String ns = fixture.namespace("cm-gc");
        replicaSetWithPods(ns, "orph", 2);
        fixture.client().apps().replicaSets().inNamespace(ns).withName("orph").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
        Await.until("replica set gone", WAIT, () -> fixture.client().apps().replicaSets().inNamespace(ns).withName("orph").get() == null, g -> g);
        List<Pod> left = pods(ns);
        assertEquals(2, left.size());
        for (Pod p : left) {
            assertTrue(p.getMetadata().getOwnerReferences() == null || p.getMetadata().getOwnerReferences().isEmpty(),
                    p.getMetadata().getName() + " still owned: " + p.getMetadata().getOwnerReferences());
        }
    }

    @Test
    void dependentOfAnOwnerThatNeverExistedIsCollected() {
        String ns = fixture.namespace("cm-gc");
        ReplicaSet absent = ReplicaSetIntegrationTest.replicaSet(ns, "ghost", 0);
        fixture.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("dangling")
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("ReplicaSet")
                        .withName(absent.getMetadata().getName()).withUid(UUID.randomUUID().toString()).build())
                .endMetadata().build()).create();
        fixture.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("unowned")
                .endMetadata().build()).create();
        Await.until("dangling config map collected", WAIT,
                () -> fixture.client().configMaps().inNamespace(ns).withName("dangling").get() == null, g -> g);
        assertTrue(fixture.client().configMaps().inNamespace(ns).withName("unowned").get() != null);
    }
}
