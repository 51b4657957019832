package dev.keelson.controllermanager.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutMathTest {

    static Deployment deployment(int replicas, IntOrString surge, IntOrString unavailable) {
        return new DeploymentBuilder().withNewMetadata().withName("d").endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxSurge(surge)
                .withMaxUnavailable(unavailable).endRollingUpdate().endStrategy()
                .endSpec().build();
    }

    static ReplicaSet rs(String name, int replicas, Map<String, String> annotations) {
        return new ReplicaSetBuilder().withNewMetadata().withName(name).withAnnotations(annotations)
                .withCreationTimestamp("2024-01-01T00:00:0" + name.length() + "Z").endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec().build();
    }

    @Test
    void percentagesRoundSurgeUpAndUnavailableDown() {
        Deployment d = deployment(10, null, null);
        assertEquals(3, RolloutMath.maxSurge(d));
        assertEquals(2, RolloutMath.maxUnavailable(d));
        Deployment ints = deployment(10, new IntOrString(1), new IntOrString(0));
        assertEquals(1, RolloutMath.maxSurge(ints));
        assertEquals(0, RolloutMath.maxUnavailable(ints));
    }

    @Test
    void zeroSurgeAndZeroUnavailableStillAllowOneUnavailable() {
        Deployment d = deployment(3, new IntOrString("0%"), new IntOrString("10%"));
        assertEquals(0, RolloutMath.maxSurge(d));
        assertEquals(1, RolloutMath.maxUnavailable(d));
    }

    @Test
    void newReplicaSetGrowsOnlyUpToReplicasPlusSurge() {
        Deployment d = deployment(10, new IntOrString("25%"), new IntOrString("25%"));
        ReplicaSet old = rs("old", 10, Map.of());
        ReplicaSet fresh = rs("fresh", 0, Map.of());
        assertEquals(3, RolloutMath.newRSNewReplicas(d, List.of(old, fresh), fresh));
        ReplicaSet grown = rs("fresh", 3, Map.of());
        assertEquals(3, RolloutMath.newRSNewReplicas(d, List.of(old, grown), grown), "already at 13 pods");
        ReplicaSet shrunk = rs("old", 8, Map.of());
        assertEquals(5, RolloutMath.newRSNewReplicas(d, List.of(shrunk, grown), grown));
    }

    @Test
    void podsAnOldReplicaSetHasNotDeletedYetCountAgainstTheSurge() {
        Deployment d = deployment(10, new IntOrString("25%"), new IntOrString("25%"));
        ReplicaSet old = rs("old", 5, Map.of());
        old.setStatus(new io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus());
        old.getStatus().setReplicas(8);
        ReplicaSet fresh = rs("fresh", 5, Map.of());
        assertEquals(5, RolloutMath.newRSNewReplicas(d, List.of(old, fresh), fresh), "8 + 5 pods exist already");
    }

    @Test
    void scalingMidRolloutIsSpreadProportionally() {
        // 10 replicas, surge 3: old has 8 and new 5 (13 = 10 + 3); scaling to 20 allows 25 pods.
        Deployment d = deployment(20, new IntOrString("25%"), new IntOrString("25%"));
        ReplicaSet old = rs("old", 8, Map.of(Revisions.MAX_REPLICAS, "13"));
        ReplicaSet fresh = rs("fresh", 5, Map.of(Revisions.MAX_REPLICAS, "13"));
        Map<String, Integer> sizes = ProportionalScaler.distribute(d, List.of(old, fresh), 25 - 13,
                RolloutMath.maxSurge(d), 13);
        assertEquals(25, sizes.get("old") + sizes.get("fresh"));
        assertEquals(15, sizes.get("old"));
        assertEquals(10, sizes.get("fresh"));
    }
}
