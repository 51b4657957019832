package dev.keelson.controllermanager.deployment;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The deployment.kubernetes.io annotations that carry revisions and sizes between Deployment and ReplicaSets. */
final class Revisions {
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    /** Deployment annotations that are not copied onto its ReplicaSets. */
    private static final Set<String> NOT_COPIED = Set.of("kubectl.kubernetes.io/last-applied-configuration",
            REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to");

    private Revisions() {}

    static long revision(ReplicaSet rs) {
        return parse(annotations(rs.getMetadata().getAnnotations()).get(REVISION));
    }

    static Integer intAnnotation(ReplicaSet rs, String name) {
        String v = annotations(rs.getMetadata().getAnnotations()).get(name);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long parse(String v) {
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Map<String, String> annotations(Map<String, String> a) {
        return a == null ? Map.of() : a;
    }

    /**
     * Brings the annotations of the new ReplicaSet up to date: copies the Deployment's own annotations, raises
     * its revision to {@code newRevision} (remembering the old one in revision-history, as a rollback to an
     * old ReplicaSet does), and records desired/max replicas. Returns true if anything changed.
     */
    static boolean setNewReplicaSetAnnotations(Deployment d, ReplicaSet rs, long newRevision, boolean exists) {
        Map<String, String> a = rs.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(rs.getMetadata().getAnnotations());
        Map<String, String> before = new HashMap<>(a);
        annotations(d.getMetadata().getAnnotations()).forEach((k, v) -> {
            if (!NOT_COPIED.contains(k)) {
                a.put(k, v);
            }
        });
        String oldRevision = a.get(REVISION);
        if (parse(oldRevision) < newRevision) {
            a.put(REVISION, Long.toString(newRevision));
            if (oldRevision != null && exists) {
                String history = a.get(REVISION_HISTORY);
                a.put(REVISION_HISTORY, history == null || history.isEmpty() ? oldRevision : history + "," + oldRevision);
            }
        }
        if (!exists) {
            a.put(DESIRED_REPLICAS, Integer.toString(RolloutMath.replicas(d)));
            a.put(MAX_REPLICAS, Integer.toString(RolloutMath.replicas(d) + RolloutMath.maxSurge(d)));
        }
        rs.getMetadata().setAnnotations(a);
        return !a.equals(before);
    }

    /** Records desired and max replicas on a ReplicaSet being scaled; true if they changed. */
    static boolean setReplicasAnnotations(ReplicaSet rs, int desired, int max) {
        Map<String, String> a = rs.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(rs.getMetadata().getAnnotations());
        String d = Integer.toString(desired);
        String m = Integer.toString(max);
        if (d.equals(a.get(DESIRED_REPLICAS)) && m.equals(a.get(MAX_REPLICAS))) {
            return false;
        }
        a.put(DESIRED_REPLICAS, d);
        a.put(MAX_REPLICAS, m);
        rs.getMetadata().setAnnotations(a);
        return true;
    }
}
