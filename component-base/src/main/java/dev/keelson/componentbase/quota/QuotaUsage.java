package dev.keelson.componentbase.quota;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.componentbase.api.Quantities;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one object uses of a ResourceQuota, as Kubernetes' quota evaluators count it: the apiserver's ResourceQuota
 * admission plugin charges it and the controller-manager's resourcequota controller sums it, so both agree. Pods count
 * {@code pods}, {@code count/pods} and their cpu/memory/ephemeral-storage requests and limits (bare {@code cpu} and
 * {@code memory} being requests), unless terminal or past their deletion grace; every object counts
 * {@code count/<resource>[.<group>]}, and services, config maps, secrets, replication controllers, resource quotas
 * and persistent volume claims their legacy names too (services also {@code services.nodeports} and
 * {@code services.loadbalancers}).
 */
public final class QuotaUsage {
    /** The resources a quota on cpu or memory makes every container state (Kubernetes' validationSet). */
    public static final Set<String> CONTAINER_CONSTRAINTS = Set.of("cpu", "memory", "requests.cpu",
            "requests.memory", "limits.cpu", "limits.memory");
    private static final Set<String> LEGACY_COUNTS = Set.of("services", "configmaps", "secrets",
            "replicationcontrollers", "resourcequotas", "persistentvolumeclaims");

    private QuotaUsage() {}

    /** An amount, printed in the format of the first quantity it came from (Kubernetes' Quantity.Add keeps it). */
    public record Amount(BigDecimal value, Quantities.Format format) {
        public Amount plus(Amount other) {
            return new Amount(value.add(other.value), format);
        }

        public static Amount of(long n) {
            return new Amount(BigDecimal.valueOf(n), Quantities.Format.DECIMAL_SI);
        }

        public static Amount parse(String quantity) {
            Quantities.Quantity q = Quantities.parseQuantity(quantity);
            return new Amount(q.value(), q.format());
        }

        /** Kubernetes' canonical text ({@code 1500m}, {@code 2}, {@code 384Mi}, {@code 1G}). */
        @Override
        public String toString() {
            return Quantities.canonical(value, format);
        }
    }

    /** The usage of {@code obj}, a {@code group/plural} object, at {@code now}; empty when it is not counted. */
    public static Map<String, Amount> of(String group, String plural, JsonNode obj, Instant now) {
        Map<String, Amount> out = new LinkedHashMap<>();
        if (group.isEmpty() && plural.equals("pods")) {
            if (!counted(obj, now)) {
                return out;
            }
            out.put("pods", Amount.of(1));
            out.put("count/pods", Amount.of(1));
            Map<String, Amount> requests = podTotal(obj.path("spec"), "requests");
            Map<String, Amount> limits = podTotal(obj.path("spec"), "limits");
            for (String r : List.of("cpu", "memory", "ephemeral-storage")) {
                if (requests.containsKey(r)) {
                    out.put(r, requests.get(r));
                    out.put("requests." + r, requests.get(r));
                }
                if (limits.containsKey(r)) {
                    out.put("limits." + r, limits.get(r));
                }
            }
            return out;
        }
        out.put("count/" + plural + (group.isEmpty() ? "" : "." + group), Amount.of(1));
        if (group.isEmpty() && LEGACY_COUNTS.contains(plural)) {
            out.put(plural, Amount.of(1));
        }
        if (group.isEmpty() && plural.equals("services")) {
            String type = obj.path("spec").path("type").asText("ClusterIP");
            long nodePorts = 0;
            if (type.equals("NodePort") || type.equals("LoadBalancer")) {
                for (JsonNode p : obj.path("spec").path("ports")) {
                    nodePorts++;
                }
            }
            out.put("services.nodeports", Amount.of(nodePorts));
            out.put("services.loadbalancers", Amount.of(type.equals("LoadBalancer") ? 1 : 0));
        }
        return out;
    }

    /** Kubernetes' QuotaV1Pod: terminal pods and pods stuck terminating past their grace period are free. */
    public static boolean counted(JsonNode pod, Instant now) {
        String phase = pod.path("status").path("phase").asText("");
        if (phase.equals("Succeeded") || phase.equals("Failed")) {
            return false;
        }
        JsonNode meta = pod.path("metadata");
        if (meta.hasNonNull("deletionTimestamp") && meta.hasNonNull("deletionGracePeriodSeconds")) {
            Instant deletion = Instant.parse(meta.get("deletionTimestamp").asText());
            return !now.isAfter(deletion.plusSeconds(meta.get("deletionGracePeriodSeconds").asLong()));
        }
        return true;
    }

    /** A pod's requests or limits: its containers' sum, at least its largest init container's, plus overhead. */
    static Map<String, Amount> podTotal(JsonNode spec, String field) {
        Map<String, Amount> sum = new LinkedHashMap<>();
        for (JsonNode c : spec.path("containers")) {
            amounts(c.path("resources").path(field)).forEach((k, v) -> sum.merge(k, v, Amount::plus));
        }
        for (JsonNode c : spec.path("initContainers")) {
            amounts(c.path("resources").path(field)).forEach((k, v) -> {
                Amount cur = sum.get(k);
                if (cur == null || v.value().compareTo(cur.value()) > 0) {
                    sum.put(k, v);
                }
            });
        }
        amounts(spec.path("overhead")).forEach((k, v) -> sum.merge(k, v, Amount::plus));
        return sum;
    }

    /** Which of the container-constraint resources a container states ({@code requests.cpu}, {@code cpu}, ...). */
    public static Set<String> containerStates(JsonNode container) {
        Set<String> out = new java.util.HashSet<>();
        JsonNode requests = container.path("resources").path("requests");
        JsonNode limits = container.path("resources").path("limits");
        for (String r : List.of("cpu", "memory")) {
            if (requests.has(r)) {
                out.add(r);
                out.add("requests." + r);
            }
            if (limits.has(r)) {
                out.add("limits." + r);
            }
        }
        return out;
    }

    private static Map<String, Amount> amounts(JsonNode map) {
        Map<String, Amount> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = map.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                out.put(e.getKey(), Amount.parse(e.getValue().asText()));
            } catch (RuntimeException ignored) {
                // validation refuses malformed quantities before anything is counted
            }
        }
        return out;
    }
}
