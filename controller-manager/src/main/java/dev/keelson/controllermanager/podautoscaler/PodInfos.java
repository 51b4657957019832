package dev.keelson.controllermanager.podautoscaler;

import dev.keelson.componentbase.api.Quantities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Pod as the {@link ReplicaCalculator} sees it: phase, readiness and its containers' requests of one resource. */
final class PodInfos {
    private PodInfos() {}

    /** @param resource whose requests to read; null reads none */
    static ReplicaCalculator.PodInfo of(Pod pod, String resource) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        Instant start = pod.getStatus() == null || pod.getStatus().getStartTime() == null ? null
                : parse(pod.getStatus().getStartTime());
        Boolean ready = null;
        Instant transition = null;
        if (pod.getStatus() != null && pod.getStatus().getConditions() != null) {
            for (PodCondition c : pod.getStatus().getConditions()) {
                if ("Ready".equals(c.getType())) {
                    ready = "True".equals(c.getStatus());
                    transition = c.getLastTransitionTime() == null ? null : parse(c.getLastTransitionTime());
                }
            }
        }
        Map<String, Long> requests = new LinkedHashMap<>();
        if (resource != null && pod.getSpec() != null) {
            for (Container c : pod.getSpec().getContainers()) {
                Quantity q = c.getResources() == null || c.getResources().getRequests() == null ? null
                        : c.getResources().getRequests().get(resource);
                requests.put(c.getName(), q == null ? null : Quantities.parse(q.toString()).movePointRight(3).longValue());
            }
        }
        return new ReplicaCalculator.PodInfo(pod.getMetadata().getName(), phase,
                pod.getMetadata().getDeletionTimestamp() != null, start, ready, transition, requests);
    }

    private static Instant parse(String time) {
        try {
            return Instant.parse(time);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
