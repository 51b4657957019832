package dev.keelson.controllermanager.replicaset;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodDeletionRankingTest {

    static Pod pod(String name, String node, String phase, boolean ready, String created) {
        return new PodBuilder().withNewMetadata().withName(name).withCreationTimestamp(created).endMetadata()
                .withNewSpec().withNodeName(node).endSpec()
                .withNewStatus().withPhase(phase)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime(created).endCondition()
                .endStatus().build();
    }

    private static List<String> order(Pod... pods) {
        return PodDeletionRanking.podsToDelete(List.of(pods), pods.length).stream()
                .map(p -> p.getMetadata().getName()).toList();
    }

    @Test
    void unscheduledThenPendingThenUnknownThenNotReadyThenReady() {
        assertEquals(List.of("unscheduled", "pending", "unknown", "notready", "ready"), order(
                pod("ready", "n1", "Running", true, "2024-01-01T00:00:00Z"),
                pod("notready", "n2", "Running", false, "2024-01-01T00:00:00Z"),
                pod("unknown", "n3", "Unknown", false, "2024-01-01T00:00:00Z"),
                pod("pending", "n4", "Pending", false, "2024-01-01T00:00:00Z"),
                pod("unscheduled", null, "Pending", false, "2024-01-01T00:00:00Z")));
    }

    @Test
    void doubledUpPodsAndThenNewerPodsGoFirst() {
        assertEquals(List.of("crowded-new", "crowded-old", "alone"), order(
                pod("alone", "n1", "Running", true, "2024-01-01T00:00:05Z"),
                pod("crowded-old", "n2", "Running", true, "2024-01-01T00:00:01Z"),
                pod("crowded-new", "n2", "Running", true, "2024-01-01T00:00:03Z")));
    }

    @Test
    void onlyTheRequestedNumberIsPicked() {
        assertEquals(1, PodDeletionRanking.podsToDelete(List.of(
                pod("a", "n1", "Running", true, "2024-01-01T00:00:00Z"),
                pod("b", "n1", "Running", true, "2024-01-01T00:00:00Z")), 1).size());
    }
}
