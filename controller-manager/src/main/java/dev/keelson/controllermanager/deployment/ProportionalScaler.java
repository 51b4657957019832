package dev.keelson.controllermanager.deployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Spreads a change of spec.replicas in the middle of a rollout across the active ReplicaSets in proportion to
 * their size (relative to the max-replicas each was last scaled for), the leftover going to the largest, as
 * Kubernetes' deployment controller does, so that neither the old nor the new version is favoured.
 */
final class ProportionalScaler {
    private ProportionalScaler() {}

    /** New size per ReplicaSet name for adding {@code toAdd} replicas (negative: removing) in total. */
    static Map<String, Integer> distribute(Deployment d, List<ReplicaSet> active, int toAdd, int maxSurge,
                                           int deploymentStatusReplicas) {
        List<ReplicaSet> sorted = new ArrayList<>(active);
        Comparator<ReplicaSet> bySize = Comparator.comparingInt((ReplicaSet rs) -> RolloutMath.replicas(rs)).reversed();
        Comparator<ReplicaSet> byAge = Comparator.comparing(
                (ReplicaSet rs) -> Objects.requireNonNullElse(rs.getMetadata().getCreationTimestamp(), ""))
                .thenComparing(rs -> rs.getMetadata().getName());
        sorted.sort(toAdd > 0 ? bySize.thenComparing(byAge.reversed()) : bySize.thenComparing(byAge));
        Map<String, Integer> sizes = new HashMap<>();
        int added = 0;
        for (ReplicaSet rs : sorted) {
            int proportion = toAdd == 0 ? 0 : proportion(d, rs, toAdd, added, maxSurge, deploymentStatusReplicas);
            sizes.put(rs.getMetadata().getName(), RolloutMath.replicas(rs) + proportion);
            added += proportion;
        }
        if (toAdd != 0 && !sorted.isEmpty()) {
            String largest = sorted.get(0).getMetadata().getName();
            sizes.put(largest, Math.max(0, sizes.get(largest) + toAdd - added));
        }
        return sizes;
    }

    private static int proportion(Deployment d, ReplicaSet rs, int toAdd, int added, int maxSurge, int statusReplicas) {
        if (RolloutMath.replicas(rs) == 0 || toAdd == added) {
            return 0;
        }
        int fraction = fraction(d, rs, maxSurge, statusReplicas);
        int allowed = toAdd - added;
        return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    private static int fraction(Deployment d, ReplicaSet rs, int maxSurge, int statusReplicas) {
        if (RolloutMath.replicas(d) == 0) {
            return -RolloutMath.replicas(rs);
        }
        int deploymentReplicas = RolloutMath.replicas(d) + maxSurge;
        Integer annotated = Revisions.intAnnotation(rs, Revisions.MAX_REPLICAS);
        int base = annotated != null ? annotated : statusReplicas;
        if (base == 0) {
            return 0;
        }
        double newSize = (double) RolloutMath.replicas(rs) * deploymentReplicas / base;
        return (int) Math.round(newSize) - RolloutMath.replicas(rs);
    }
}
