package dev.keelson.controllermanager.common;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Optional;

/** Pod and owner-reference facts every workload controller needs (readiness, availability, controller). */
public final class Pods {
    private Pods() {}

    public static Optional<PodCondition> readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    public static boolean isReady(Pod pod) {
        return readyCondition(pod).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Ready for at least {@code minReadySeconds} (the Ready condition's lastTransitionTime says since when). */
    public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        Optional<PodCondition> ready = readyCondition(pod).filter(c -> "True".equals(c.getStatus()));
        if (ready.isEmpty()) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        Instant since = Times.parse(ready.get().getLastTransitionTime());
        return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
    }

    /** Not finished and not being deleted: the pods a ReplicaSet counts. */
    public static boolean isActive(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase)
                && pod.getMetadata().getDeletionTimestamp() == null;
    }

    public static String phase(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    }

    public static Optional<OwnerReference> controllerOf(HasMetadata obj) {
        if (obj.getMetadata().getOwnerReferences() == null) {
            return Optional.empty();
        }
        return obj.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController())).findFirst();
    }

    public static OwnerReference controllerRef(HasMetadata owner) {
        OwnerReference ref = new OwnerReference();
        ref.setApiVersion(owner.getApiVersion());
        ref.setKind(owner.getKind());
        ref.setName(owner.getMetadata().getName());
        ref.setUid(owner.getMetadata().getUid());
        ref.setController(true);
        ref.setBlockOwnerDeletion(true);
        return ref;
    }
}
