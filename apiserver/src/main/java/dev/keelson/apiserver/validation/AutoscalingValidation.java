package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Quantities;
import java.math.BigDecimal;
import java.util.List;

/** HorizontalPodAutoscalers as Kubernetes' autoscaling/validation checks them (v2 shape, and v1's fields). */
public final class AutoscalingValidation {
    static final int MAX_PERIOD_SECONDS = 1800;
    static final int MAX_STABILIZATION_WINDOW_SECONDS = 3600;

    private AutoscalingValidation() {}

    public static void horizontalPodAutoscalerV2(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, true, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", p);
        common(e, spec, p);
        List<ObjectNode> metrics = e.objects(spec, "metrics", p.child("metrics"));
        for (int i = 0; i < metrics.size(); i++) {
            metric(e, metrics.get(i), p.child("metrics").index(i));
        }
        ObjectNode behavior = e.object(spec, "behavior", p.child("behavior"));
        if (behavior != null) {
            rules(e, e.object(behavior, "scaleUp", p.child("behavior").child("scaleUp")), p.child("behavior").child("scaleUp"));
            rules(e, e.object(behavior, "scaleDown", p.child("behavior").child("scaleDown")), p.child("behavior").child("scaleDown"));
        }
    }

    public static void horizontalPodAutoscalerV1(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, true, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", p);
        common(e, spec, p);
        Long target = e.integer(spec, "targetCPUUtilizationPercentage", p.child("targetCPUUtilizationPercentage"));
        if (target != null && target < 1) {
            // v1 is validated after conversion in Kubernetes: the error names the v2 field
            e.invalid(p.child("metrics").index(0).child("resource").child("target").child("averageUtilization"), target,
                    "must be greater than 0");
        }
    }

    private static void common(Errs e, ObjectNode spec, FieldPath p) {
        Long min = e.integer(spec, "minReplicas", p.child("minReplicas"));
        Long max = e.integer(spec, "maxReplicas", p.child("maxReplicas"));
        if (min != null && min < 1) {
            e.invalid(p.child("minReplicas"), min, "must be greater than or equal to 1");
        }
        long maxValue = max == null ? 0 : max;
        if (maxValue < 1) {
            e.invalid(p.child("maxReplicas"), maxValue, "must be greater than 0");
        }
        if (min != null && maxValue < min) {
            e.invalid(p.child("maxReplicas"), maxValue, "must be greater than or equal to `minReplicas`");
        }
        FieldPath rp = p.child("scaleTargetRef");
        ObjectNode ref = e.object(spec, "scaleTargetRef", rp);
        for (String field : List.of("kind", "name")) {
            String v = e.str(ref, field, rp.child(field));
            if (v == null || v.isEmpty()) {
                e.required(rp.child(field), "");
            } else {
                e.invalidEach(rp.child(field), v, pathSegment(v));
            }
        }
    }

    /** IsValidPathSegmentName. */
    private static List<String> pathSegment(String v) {
        if (v.equals(".") || v.equals("..")) {
            return List.of("may not be '" + v + "'");
        }
        for (String bad : List.of("/", "%")) {
            if (v.contains(bad)) {
                return List.of("may not contain '" + bad + "'");
            }
        }
        return List.of();
    }

    private static void metric(Errs e, ObjectNode m, FieldPath p) {
        String type = e.str(m, "type", p.child("type"));
        if (type == null || type.isEmpty()) {
            e.required(p.child("type"), "must specify a metric source type");
            return;
        }
        String source = switch (type) {
            case "Resource" -> "resource";
            case "ContainerResource" -> "containerResource";
            case "Pods" -> "pods";
            case "Object" -> "object";
            case "External" -> "external";
            default -> null;
        };
        if (source == null) {
            e.invalid(p.child("type"), type, "must be either Object, Pods, Resource, ContainerResource, or External");
            return;
        }
        ObjectNode src = e.object(m, source, p.child(source));
        if (src == null) {
            e.required(p.child(source), "must populate information for the given metric source");
            return;
        }
        FieldPath sp = p.child(source);
        if (source.equals("resource") || source.equals("containerResource")) {
            String name = e.str(src, "name", sp.child("name"));
            if (name == null || name.isEmpty()) {
                e.required(sp.child("name"), "must specify a resource name");
            }
            ObjectNode target = e.object(src, "target", sp.child("target"));
            target(e, target, sp.child("target"));
            boolean utilization = target != null && target.hasNonNull("averageUtilization");
            boolean average = target != null && target.hasNonNull("averageValue");
            if (!utilization && !average) {
                e.required(sp.child("target").child("averageUtilization"),
                        "must set either a target raw value or a target utilization");
            }
            if (utilization && average) {
                e.invalid(sp.child("target").child("averageValue"), target.get("averageValue").asText(),
                        "may not set both a target raw value and a target utilization");
            }
        } else {
            target(e, e.object(src, "target", sp.child("target")), sp.child("target"));
        }
    }

    private static void target(Errs e, ObjectNode t, FieldPath p) {
        if (t == null) {
            return;
        }
        String type = e.str(t, "type", p.child("type"));
        if (type == null || type.isEmpty()) {
            e.required(p.child("type"), "must specify a metric target type");
        }
        if (type != null && !List.of("Utilization", "Value", "AverageValue").contains(type)) {
            e.invalid(p.child("type"), type, "must be either Utilization, Value, or AverageValue");
        }
        for (String field : List.of("value", "averageValue")) {
            JsonNode q = t.get(field);
            if (q != null && !q.isNull()) {
                BigDecimal v = Quantities.tryParse(q.asText()).map(Quantities.Quantity::value).orElse(null);
                if (v == null) {
                    e.invalid(p.child(field), q.asText(), Quantities.FORMAT_ERROR);
                } else if (v.signum() != 1) {
                    e.invalid(p.child(field), q.asText(), "must be positive");
                }
            }
        }
        Long utilization = e.integer(t, "averageUtilization", p.child("averageUtilization"));
        if (utilization != null && utilization < 1) {
            e.invalid(p.child("averageUtilization"), utilization, "must be greater than 0");
        }
    }

    private static void rules(Errs e, ObjectNode rules, FieldPath p) {
        if (rules == null) {
            return;
        }
        Long window = e.integer(rules, "stabilizationWindowSeconds", p.child("stabilizationWindowSeconds"));
        if (window != null && window < 0) {
            e.invalid(p.child("stabilizationWindowSeconds"), window, "must be greater than or equal to zero");
        }
        if (window != null && window > MAX_STABILIZATION_WINDOW_SECONDS) {
            e.invalid(p.child("stabilizationWindowSeconds"), window,
                    "must be less than or equal to " + MAX_STABILIZATION_WINDOW_SECONDS);
        }
        String select = e.str(rules, "selectPolicy", p.child("selectPolicy"));
        if (select != null && !List.of("Max", "Min", "Disabled").contains(select)) {
            e.notSupported(p.child("selectPolicy"), select, List.of("Disabled", "Max", "Min"));
        }
        List<ObjectNode> policies = e.objects(rules, "policies", p.child("policies"));
        if (policies.isEmpty()) {
            e.required(p.child("policies"), "must specify at least one Policy");
        }
        for (int i = 0; i < policies.size(); i++) {
            ObjectNode policy = policies.get(i);
            FieldPath pp = p.child("policies").index(i);
            String type = e.str(policy, "type", pp.child("type"));
            if (!"Pods".equals(type) && !"Percent".equals(type)) {
                e.notSupported(pp.child("type"), type == null ? "" : type, List.of("Percent", "Pods"));
            }
            Long value = e.integer(policy, "value", pp.child("value"));
            if (value == null || value <= 0) {
                e.invalid(pp.child("value"), value == null ? 0 : value, "must be greater than zero");
            }
            Long period = e.integer(policy, "periodSeconds", pp.child("periodSeconds"));
            if (period == null || period <= 0) {
                e.invalid(pp.child("periodSeconds"), period == null ? 0 : period, "must be greater than zero");
            } else if (period > MAX_PERIOD_SECONDS) {
                e.invalid(pp.child("periodSeconds"), period, "must be less than or equal to " + MAX_PERIOD_SECONDS);
            }
        }
    }
}
