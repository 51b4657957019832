package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.AutoscalingPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.AutoscalingValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;

/**
 * autoscaling/v2 HorizontalPodAutoscalers (the stored and preferred version; autoscaling/v1 is
 * {@link HorizontalPodAutoscalerV1Strategy} over the same objects), scaled by the controller-manager's
 * horizontal-pod-autoscaler controller through their target's scale subresource.
 */
public final class HorizontalPodAutoscalerStrategy extends Strategy {
    public HorizontalPodAutoscalerStrategy() {
        super(Registration.namespaced("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
                HorizontalPodAutoscaler.class).shortNames("hpa").categories("all").subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        defaultsV2(obj);
    }

    /** Kubernetes' autoscaling/v2 SetDefaults_HorizontalPodAutoscaler: minReplicas 1, CPU at 80 %, behavior rules. */
    static void defaultsV2(ObjectNode obj) {
        if (!(obj.get("spec") instanceof ObjectNode spec)) {
            return;
        }
        if (!spec.has("minReplicas")) {
            spec.put("minReplicas", 1);
        }
        if (!(spec.get("metrics") instanceof ArrayNode metrics) || metrics.isEmpty()) {
            ObjectNode r = spec.putArray("metrics").addObject().put("type", "Resource").putObject("resource");
            r.put("name", "cpu");
            r.putObject("target").put("type", "Utilization").put("averageUtilization", 80);
        }
        if (spec.get("behavior") instanceof ObjectNode behavior) {
            rules(behavior, "scaleUp", 0, new int[][] {{4, 15}, {100, 15}}, new String[] {"Pods", "Percent"});
            rules(behavior, "scaleDown", 300, new int[][] {{100, 15}}, new String[] {"Percent"});
        }
    }

    private static void rules(ObjectNode behavior, String field, int window, int[][] policies, String[] types) {
        ObjectNode rules = behavior.get(field) instanceof ObjectNode o ? o : behavior.putObject(field);
        if (!rules.has("stabilizationWindowSeconds")) {
            rules.put("stabilizationWindowSeconds", window);
        }
        if (!rules.has("selectPolicy")) {
            rules.put("selectPolicy", "Max");
        }
        if (!(rules.get("policies") instanceof ArrayNode p) || p.isEmpty()) {
            ArrayNode array = rules.putArray("policies");
            for (int i = 0; i < policies.length; i++) {
                array.addObject().put("type", types[i]).put("value", policies[i][0]).put("periodSeconds", policies[i][1]);
            }
        }
    }

    @Override
    public ObjectNode fromStorage(ObjectNode obj) {
        return HorizontalPodAutoscalerConversion.toV2(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        AutoscalingValidation.horizontalPodAutoscalerV2(e, obj);
    }

    @Override
    public TablePrinter printer() {
        return AutoscalingPrinters.HORIZONTAL_POD_AUTOSCALERS;
    }

    static JsonNode spec(ObjectNode obj) {
        return obj.path("spec");
    }
}
