package dev.keelson.controllermanager.podgc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TerminatedPodsTest {
    private static Pod pod(String name, String created) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").withCreationTimestamp(created)
                .endMetadata().build();
    }

    @Test
    void oldestPodsBeyondTheThresholdGo() {
        List<Pod> pods = List.of(pod("c", "2026-01-01T00:00:03Z"), pod("a", "2026-01-01T00:00:01Z"),
                pod("d", "2026-01-01T00:00:04Z"), pod("b", "2026-01-01T00:00:02Z"));
        assertEquals(List.of("a", "b"), TerminatedPods.oldestBeyond(pods, 2).stream()
                .map(p -> p.getMetadata().getName()).toList());
    }

    @Test
    void nothingGoesAtOrBelowTheThresholdOrWithThresholdZero() {
        List<Pod> pods = List.of(pod("a", "2026-01-01T00:00:01Z"), pod("b", "2026-01-01T00:00:02Z"));
        assertEquals(List.of(), TerminatedPods.oldestBeyond(pods, 2));
        assertEquals(List.of(), TerminatedPods.oldestBeyond(pods, 0));
    }
}
