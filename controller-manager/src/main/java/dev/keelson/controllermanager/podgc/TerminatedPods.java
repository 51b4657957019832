package dev.keelson.controllermanager.podgc;

import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** Which terminated pods go when there are more than the threshold: the oldest by creation time. */
final class TerminatedPods {
    private TerminatedPods() {}

    static List<Pod> oldestBeyond(List<Pod> terminated, int threshold) {
        int excess = terminated.size() - threshold;
        if (threshold <= 0 || excess <= 0) {
            return List.of();
        }
        return terminated.stream()
                .sorted(Comparator.comparing((Pod p) -> Objects.requireNonNullElse(
                                Times.parse(p.getMetadata().getCreationTimestamp()), Instant.MIN))
                        .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()))
                .limit(excess)
                .toList();
    }
}
