package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** policy/v1 PodDisruptionBudgets as Kubernetes validates them (policy/validation). */
public final class DisruptionValidation {
    private static final List<String> EVICTION_POLICIES = List.of("AlwaysAllow", "IfHealthyBudget");

    private DisruptionValidation() {
    }

    /** ValidatePodDisruptionBudget: minAvailable or maxUnavailable (not both), a valid selector and eviction policy. */
    public static void podDisruptionBudget(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = WorkloadValidation.specOf(e, obj, p);
        JsonNode min = spec.get("minAvailable");
        JsonNode max = spec.get("maxUnavailable");
        boolean hasMin = min != null && !min.isNull();
        boolean hasMax = max != null && !max.isNull();
        if (hasMin && hasMax) {
            e.invalid(p, new GoValues.Literal(spec.toString()), "minAvailable and maxUnavailable cannot be both set");
        }
        if (hasMin) {
            WorkloadValidation.positiveIntOrPercent(e, min, p.child("minAvailable"));
            AppsValidation.notMoreThan100Percent(e, min, p.child("minAvailable"));
        }
        if (hasMax) {
            WorkloadValidation.positiveIntOrPercent(e, max, p.child("maxUnavailable"));
            AppsValidation.notMoreThan100Percent(e, max, p.child("maxUnavailable"));
        }
        MetaValidation.labelSelector(e, e.object(spec, "selector", p.child("selector")), p.child("selector"));
        String policy = e.str(spec, "unhealthyPodEvictionPolicy", p.child("unhealthyPodEvictionPolicy"));
        if (policy != null && !EVICTION_POLICIES.contains(policy)) {
            e.notSupported(p.child("unhealthyPodEvictionPolicy"), policy, EVICTION_POLICIES);
        }
    }

    /** ValidatePodDisruptionBudgetStatusUpdate: the counts are non-negative. */
    public static void statusUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        ObjectNode status = ObjectNodes.child(obj, "status");
        FieldPath p = FieldPath.of("status");
        for (String f : List.of("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods")) {
            e.nonNegative(e.integer(status, f, p.child(f)), p.child(f));
        }
    }
}
