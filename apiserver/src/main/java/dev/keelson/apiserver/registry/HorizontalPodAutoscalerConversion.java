package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * HorizontalPodAutoscalers are stored in whichever version wrote them (autoscaling/v2 or v1, one etcd prefix) and
 * each version's watch cache converts what it reads, as Kubernetes' conversion between the two does: v1's
 * targetCPUUtilizationPercentage is v2's CPU Utilization resource metric and currentCPUUtilizationPercentage its
 * current average utilization. v2-only fields (other metrics, behavior, conditions) do not survive a write through v1.
 */
public final class HorizontalPodAutoscalerConversion {
    static final String V1 = "autoscaling/v1";
    static final String V2 = "autoscaling/v2";

    private HorizontalPodAutoscalerConversion() {}

    /** The object as autoscaling/v2 serves it, defaulted. */
    public static ObjectNode toV2(ObjectNode obj) {
        if (!V1.equals(obj.path("apiVersion").asText())) {
            return obj;
        }
        obj.put("apiVersion", V2);
        JsonNode spec = obj.path("spec");
        if (spec instanceof ObjectNode s) {
            JsonNode target = s.remove("targetCPUUtilizationPercentage");
            if (target != null && target.isIntegralNumber()) {
                ArrayNode metrics = s.putArray("metrics");
                ObjectNode resource = metrics.addObject().put("type", "Resource").putObject("resource");
                resource.put("name", "cpu");
                resource.putObject("target").put("type", "Utilization").put("averageUtilization", target.asInt());
            }
        }
        JsonNode status = obj.path("status");
        if (status instanceof ObjectNode st) {
            JsonNode current = st.remove("currentCPUUtilizationPercentage");
            if (current != null && current.isIntegralNumber()) {
                ObjectNode resource = st.putArray("currentMetrics").addObject().put("type", "Resource").putObject("resource");
                resource.put("name", "cpu");
                resource.putObject("current").put("averageUtilization", current.asInt());
            }
            if (!st.has("desiredReplicas")) {
                st.put("desiredReplicas", 0);
            }
        }
        HorizontalPodAutoscalerStrategy.defaultsV2(obj);
        return obj;
    }

    /** The object as autoscaling/v1 serves it. */
    public static ObjectNode toV1(ObjectNode obj) {
        if (!V2.equals(obj.path("apiVersion").asText())) {
            return obj;
        }
        obj.put("apiVersion", V1);
        JsonNode spec = obj.path("spec");
        if (spec instanceof ObjectNode s) {
            JsonNode metrics = s.remove("metrics");
            s.remove("behavior");
            for (JsonNode m : metrics == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : metrics) {
                JsonNode r = m.path("resource");
                if ("Resource".equals(m.path("type").asText()) && "cpu".equals(r.path("name").asText())
                        && r.path("target").path("averageUtilization").isIntegralNumber()) {
                    s.put("targetCPUUtilizationPercentage", r.path("target").path("averageUtilization").asInt());
                    break;
                }
            }
        }
        JsonNode status = obj.path("status");
        if (status instanceof ObjectNode st) {
            JsonNode current = st.remove("currentMetrics");
            st.remove("conditions");
            for (JsonNode m : current == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : current) {
                JsonNode r = m.path("resource");
                if ("Resource".equals(m.path("type").asText()) && "cpu".equals(r.path("name").asText())
                        && r.path("current").path("averageUtilization").isIntegralNumber()) {
                    st.put("currentCPUUtilizationPercentage", r.path("current").path("averageUtilization").asInt());
                    break;
                }
            }
        }
        return obj;
    }
}
