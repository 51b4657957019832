package dev.keelson.controllermanager.deployment;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The arithmetic of a rollout, as Kubernetes' deployment util does it: maxSurge rounds percentages up,
 * maxUnavailable rounds down, and if both come out 0 one pod may be unavailable so a rollout can progress.
 */
public final class RolloutMath {
    static final IntOrString DEFAULT_PERCENT = new IntOrString("25%");

    private RolloutMath() {}

    public static int scaled(IntOrString value, int total, boolean roundUp) {
        if (value == null) {
            value = DEFAULT_PERCENT;
        }
        if (value.getIntVal() != null) {
            return value.getIntVal();
        }
        String s = value.getStrVal();
        if (s == null || !s.endsWith("%")) {
            try {
                return Integer.parseInt(Objects.requireNonNullElse(s, "0"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid value for IntOrString: " + s);
            }
        }
        int percent = Integer.parseInt(s.substring(0, s.length() - 1));
        long numerator = (long) percent * total;
        return (int) (roundUp ? (numerator + 99) / 100 : numerator / 100);
    }

    static boolean isRollingUpdate(Deployment d) {
        return d.getSpec().getStrategy() == null || d.getSpec().getStrategy().getType() == null
                || "RollingUpdate".equals(d.getSpec().getStrategy().getType());
    }

    static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    static int replicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
    }

    /** [maxSurge, maxUnavailable] resolved against spec.replicas. */
    static int[] fenceposts(Deployment d) {
        IntOrString surge = null;
        IntOrString unavailable = null;
        if (d.getSpec().getStrategy() != null && d.getSpec().getStrategy().getRollingUpdate() != null) {
            surge = d.getSpec().getStrategy().getRollingUpdate().getMaxSurge();
            unavailable = d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable();
        }
        int desired = replicas(d);
        int s = scaled(surge, desired, true);
        int u = scaled(unavailable, desired, false);
        if (s == 0 && u == 0) {
            u = 1;
        }
        return new int[] {s, u};
    }

    public static int maxSurge(Deployment d) {
        return isRollingUpdate(d) ? fenceposts(d)[0] : 0;
    }

    /** How many of spec.replicas may be unavailable; 0 for Recreate, never more than spec.replicas. */
    public static int maxUnavailable(Deployment d) {
        if (!isRollingUpdate(d) || replicas(d) == 0) {
            return 0;
        }
        return Math.min(fenceposts(d)[1], replicas(d));
    }

    static int specReplicas(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull).mapToInt(RolloutMath::replicas).sum();
    }

    static int statusReplicas(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull)
                .mapToInt(rs -> rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas())
                .sum();
    }

    static int readyReplicas(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull)
                .mapToInt(rs -> rs.getStatus() == null || rs.getStatus().getReadyReplicas() == null ? 0 : rs.getStatus().getReadyReplicas())
                .sum();
    }

    static int availableReplicas(Collection<ReplicaSet> sets) {
        return sets.stream().filter(Objects::nonNull).mapToInt(RolloutMath::available).sum();
    }

    static int available(ReplicaSet rs) {
        return rs.getStatus() == null || rs.getStatus().getAvailableReplicas() == null ? 0 : rs.getStatus().getAvailableReplicas();
    }

    /**
     * Available pods a ReplicaSet will keep: its reported availability capped at its size, since pods above the
     * size are about to be deleted even if the ReplicaSet's status has not caught up yet.
     */
    static int availableWithinSpec(ReplicaSet rs) {
        return Math.min(available(rs), replicas(rs));
    }

    /**
     * Size of the new ReplicaSet in the next step of a rollout. Pods an old ReplicaSet still reports (its
     * scale-down not carried out yet) count as well as its spec: stricter than Kubernetes, which counts spec only,
     * so that the number of pods, not just the sum of sizes, stays within replicas + maxSurge.
     */
    static int newRSNewReplicas(Deployment d, Collection<ReplicaSet> all, ReplicaSet newRS) {
        if (!isRollingUpdate(d)) {
            return replicas(d);
        }
        int current = all.stream().filter(Objects::nonNull)
                .mapToInt(rs -> Math.max(replicas(rs), statusReplicas(List.of(rs)))).sum();
        int maxTotal = replicas(d) + maxSurge(d);
        int newReplicas = newRS == null ? 0 : replicas(newRS);
        if (current >= maxTotal) {
            return newReplicas;
        }
        int scaleUp = Math.min(maxTotal - current, replicas(d) - newReplicas);
        return newReplicas + scaleUp;
    }
}
