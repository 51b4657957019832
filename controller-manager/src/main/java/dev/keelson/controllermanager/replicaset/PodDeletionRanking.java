package dev.keelson.controllermanager.replicaset;

import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders pods from least to most valuable, the order in which a scale-down deletes them (Kubernetes'
 * ActivePodsWithRanks): unscheduled before scheduled, Pending before Unknown before Running, not ready
 * before ready, pods doubled up on a node before lone ones, ready for a shorter time first, more restarts
 * first, newer first.
 */
public final class PodDeletionRanking {
    private PodDeletionRanking() {}

    /** The {@code count} pods to delete first out of {@code pods}. */
    public static List<Pod> podsToDelete(List<Pod> pods, int count) {
        Map<String, Integer> podsPerNode = new HashMap<>();
        for (Pod p : pods) {
            String node = nodeName(p);
            if (!node.isEmpty()) {
                podsPerNode.merge(node, 1, Integer::sum);
            }
        }
        List<Pod> sorted = new ArrayList<>(pods);
        sorted.sort(comparator(podsPerNode));
        return sorted.subList(0, Math.min(count, sorted.size()));
    }

    static Comparator<Pod> comparator(Map<String, Integer> podsPerNode) {
        return Comparator.<Pod>comparingInt(p -> nodeName(p).isEmpty() ? 0 : 1)
                .thenComparingInt(PodDeletionRanking::phaseRank)
                .thenComparingInt(p -> Pods.isReady(p) ? 1 : 0)
                .thenComparing(p -> -podsPerNode.getOrDefault(nodeName(p), 0))
                .thenComparing(PodDeletionRanking::readySince, Comparator.nullsFirst(Comparator.reverseOrder()))
                .thenComparing(p -> -restarts(p))
                .thenComparing(PodDeletionRanking::created, Comparator.nullsFirst(Comparator.reverseOrder()));
    }

    private static String nodeName(Pod p) {
        return p.getSpec() == null || p.getSpec().getNodeName() == null ? "" : p.getSpec().getNodeName();
    }

    private static int phaseRank(Pod p) {
        return switch (Pods.phase(p)) {
            case "Pending" -> 0;
            case "Unknown" -> 1;
            case "Running" -> 2;
            default -> 3;
        };
    }

    /** Only ready pods are compared by how long they have been ready. */
    private static Instant readySince(Pod p) {
        if (!Pods.isReady(p)) {
            return null;
        }
        return Pods.readyCondition(p).map(c -> Times.parse(c.getLastTransitionTime())).orElse(null);
    }

    private static int restarts(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return p.getStatus().getContainerStatuses().stream().mapToInt(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).max().orElse(0);
    }

    private static Instant created(Pod p) {
        return Times.parse(p.getMetadata().getCreationTimestamp());
    }
}
