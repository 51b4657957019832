package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Semantic;
import java.util.List;
import java.util.Map;

/**
 * apps/v1 DaemonSets and StatefulSets as Kubernetes validates them (apps/validation: ValidateDaemonSet,
 * ValidateStatefulSet and their update and status rules, with the immutable selector the apps/v1 strategies add).
 */
public final class AppsValidation {
    private static final List<String> RETENTION = List.of("Retain", "Delete");

    private AppsValidation() {
    }

    // ---------------------------------------------------------------- DaemonSet

    /** ValidateDaemonSet: a DNS-subdomain name, a selector its template matches, a full pod template. */
    public static void daemonSet(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = WorkloadValidation.specOf(e, obj, p);
        FieldPath sp = p.child("selector");
        ObjectNode selector = e.object(spec, "selector", sp);
        boolean usable = MetaValidation.labelSelector(e, selector, sp);
        ObjectNode template = e.object(spec, "template", p.child("template"));
        ObjectNode tmpl = template == null ? ObjectNodes.EMPTY : template;
        Map<String, String> labels = WorkloadValidation.templateLabels(tmpl);
        // a nil selector selects nothing (LabelSelectorAsSelector), so it never matches the template
        if (usable && (selector == null || !MetaValidation.selectorMatches(selector, labels))) {
            WorkloadValidation.selectorMismatch(e, labels, p.child("template"));
        }
        if (selector != null && MetaValidation.selectorEmpty(selector)) {
            e.invalid(sp, MetaValidation.goSelector(selector), "empty selector is invalid for daemonset");
        }
        WorkloadValidation.controllerTemplate(e, tmpl, p.child("template"), "DaemonSet");
        e.nonNegative(e.integer(spec, "minReadySeconds", p.child("minReadySeconds")), p.child("minReadySeconds"));
        daemonSetStrategy(e, e.object(spec, "updateStrategy", p.child("updateStrategy")), p.child("updateStrategy"));
        e.nonNegative(e.integer(spec, "revisionHistoryLimit", p.child("revisionHistoryLimit")),
                p.child("revisionHistoryLimit"));
    }

    /** ValidateDaemonSetUpdate plus the apps/v1 strategy's immutable selector. */
    public static void daemonSetUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        daemonSet(e, obj, namespaced);
        WorkloadValidation.selectorImmutable(e, obj, old);
    }

    /** validateDaemonSetStatus and the collision count that may not go down. */
    public static void daemonSetStatusUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        ObjectNode status = ObjectNodes.child(obj, "status");
        FieldPath p = FieldPath.of("status");
        for (String f : List.of("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
                "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable",
                "collisionCount")) {
            e.nonNegative(e.integer(status, f, p.child(f)), p.child(f));
        }
        collisionCountNotDecremented(e, obj, old);
    }

    private static void daemonSetStrategy(Errs e, ObjectNode strategy, FieldPath p) {
        String type = strategy == null ? "" : e.text(strategy, "type", p.child("type"));
        ObjectNode rolling = strategy == null ? null : e.object(strategy, "rollingUpdate", p.child("rollingUpdate"));
        switch (type) {
            case "OnDelete" -> {
            }
            case "RollingUpdate" -> {
                if (rolling == null) {
                    e.required(p.child("rollingUpdate"), "");
                    return;
                }
                JsonNode unavailable = rolling.get("maxUnavailable");
                JsonNode surge = rolling.get("maxSurge");
                FieldPath rp = p.child("rollingUpdate");
                WorkloadValidation.positiveIntOrPercent(e, unavailable, rp.child("maxUnavailable"));
                WorkloadValidation.positiveIntOrPercent(e, surge, rp.child("maxSurge"));
                notMoreThan100Percent(e, unavailable, rp.child("maxUnavailable"));
                notMoreThan100Percent(e, surge, rp.child("maxSurge"));
                boolean hasUnavailable = WorkloadValidation.intOrPercentValue(unavailable) != 0;
                boolean hasSurge = WorkloadValidation.intOrPercentValue(surge) != 0;
                if (hasUnavailable && hasSurge) {
                    e.invalid(rp.child("maxSurge"), WorkloadValidation.intOrString(surge),
                            "may not be set when maxUnavailable is non-zero");
                } else if (!hasUnavailable && !hasSurge) {
                    e.required(rp.child("maxUnavailable"), "cannot be 0 when maxSurge is 0");
                }
            }
            default -> e.notSupported(p, new GoValues.Literal("apps.DaemonSetUpdateStrategy{Type:"
                    + GoValues.quote(type) + ", RollingUpdate:" + (rolling == null
                    ? "(*apps.RollingUpdateDaemonSet)(nil)" : rolling.toString()) + "}"),
                    List.of("RollingUpdate", "OnDelete"));
        }
    }

    // ---------------------------------------------------------------- StatefulSet

    /**
     * ValidateStatefulSet: a DNS-label name (its pods are named NAME-ORDINAL), the pod management policy, the update
     * strategy, the claim retention policy, non-negative counts, a selector its template matches. As in Kubernetes,
     * the template's pod spec itself is not validated here (only its labels and annotations).
     */
    public static void statefulSet(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_LABEL);
        statefulSetSpec(e, obj);
    }

    private static void statefulSetSpec(Errs e, ObjectNode obj) {
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = WorkloadValidation.specOf(e, obj, p);
        String policy = e.text(spec, "podManagementPolicy", p.child("podManagementPolicy"));
        switch (policy) {
            case "" -> e.required(p.child("podManagementPolicy"), "");
            case "OrderedReady", "Parallel" -> {
            }
            default -> e.invalid(p.child("podManagementPolicy"), policy, "must be 'OrderedReady' or 'Parallel'");
        }
        statefulSetStrategy(e, e.object(spec, "updateStrategy", p.child("updateStrategy")), p.child("updateStrategy"));
        FieldPath rp = p.child("persistentVolumeClaimRetentionPolicy");
        ObjectNode retention = e.object(spec, "persistentVolumeClaimRetentionPolicy", rp);
        if (retention != null) {
            for (String f : List.of("whenDeleted", "whenScaled")) {
                String v = e.text(retention, f, rp.child(f));
                if (!RETENTION.contains(v)) {
                    e.notSupported(rp.child(f), v, RETENTION);
                }
            }
        }
        e.nonNegative(e.integer(spec, "replicas", p.child("replicas")), p.child("replicas"));
        e.nonNegative(e.integer(spec, "minReadySeconds", p.child("minReadySeconds")), p.child("minReadySeconds"));
        ObjectNode ordinals = e.object(spec, "ordinals", p.child("ordinals"));
        if (ordinals != null) {
            e.nonNegative(e.integer(ordinals, "start", p.child("ordinals.start")), p.child("ordinals.start"));
        }
        FieldPath sp = p.child("selector");
        ObjectNode selector = e.object(spec, "selector", sp);
        boolean usable = true;
        if (selector == null) {
            e.required(sp, "");
        } else {
            usable = MetaValidation.labelSelector(e, selector, sp);
            if (MetaValidation.selectorEmpty(selector)) {
                e.invalid(sp, MetaValidation.goSelector(selector), "empty selector is invalid for statefulset");
            }
        }
        FieldPath tp = p.child("template");
        ObjectNode template = e.object(spec, "template", tp);
        ObjectNode tmpl = template == null ? ObjectNodes.EMPTY : template;
        if (!usable) {
            e.invalid(sp, MetaValidation.goSelector(selector), "");
        } else {
            Map<String, String> labels = WorkloadValidation.templateLabels(tmpl);
            if (!MetaValidation.selectorEmpty(selector) && !MetaValidation.selectorMatches(selector, labels)) {
                WorkloadValidation.selectorMismatch(e, labels, tp);
            }
            ObjectNode meta = ObjectNodes.child(tmpl, "metadata");
            MetaValidation.labels(e, e.stringMap(meta, "labels", tp.child("labels")), tp.child("labels"));
            MetaValidation.annotations(e, e.stringMap(meta, "annotations", tp.child("annotations")),
                    tp.child("annotations"));
        }
        ObjectNode podSpec = ObjectNodes.child(tmpl, "spec");
        String restart = ObjectNodes.text(podSpec, "restartPolicy");
        if (!restart.equals("Always")) {
            e.notSupported(tp.child("spec").child("restartPolicy"), restart, List.of("Always"));
        }
        if (ObjectNodes.has(podSpec, "activeDeadlineSeconds")) {
            e.forbidden(tp.child("spec").child("activeDeadlineSeconds"),
                    "activeDeadlineSeconds in StatefulSet is not Supported");
        }
    }

    private static void statefulSetStrategy(Errs e, ObjectNode strategy, FieldPath p) {
        String type = strategy == null ? "" : e.text(strategy, "type", p.child("type"));
        ObjectNode rolling = strategy == null ? null : e.object(strategy, "rollingUpdate", p.child("rollingUpdate"));
        switch (type) {
            case "" -> e.required(p, "");
            case "OnDelete" -> {
                if (rolling != null) {
                    e.invalid(p.child("rollingUpdate"), new GoValues.Literal(rolling.toString()),
                            "only allowed for updateStrategy 'RollingUpdate'");
                }
            }
            case "RollingUpdate" -> {
                if (rolling != null) {
                    FieldPath rp = p.child("rollingUpdate");
                    e.nonNegative(e.integer(rolling, "partition", rp.child("partition")), rp.child("partition"));
                    JsonNode max = rolling.get("maxUnavailable");
                    if (max != null && !max.isNull()) {
                        FieldPath mp = rp.child("maxUnavailable");
                        WorkloadValidation.positiveIntOrPercent(e, max, mp);
                        if (WorkloadValidation.intOrPercentValue(max) == 0) {
                            e.invalid(mp, WorkloadValidation.intOrString(max), "cannot be 0");
                        }
                        notMoreThan100Percent(e, max, mp);
                    }
                }
            }
            default -> e.invalid(p, new GoValues.Literal("apps.StatefulSetUpdateStrategy{Type:" + GoValues.quote(type)
                    + "}"), "must be 'RollingUpdate' or 'OnDelete'");
        }
    }

    /**
     * ValidateStatefulSetUpdate: the new spec is valid, and only replicas, ordinals, template, updateStrategy,
     * persistentVolumeClaimRetentionPolicy and minReadySeconds changed (selector, serviceName, volumeClaimTemplates,
     * podManagementPolicy and revisionHistoryLimit are immutable).
     */
    public static void statefulSetUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        statefulSetSpec(e, obj);
        ObjectNode now = ObjectNodes.child(obj, "spec") == null ? ObjectNodes.EMPTY.deepCopy() : obj.get("spec").deepCopy();
        ObjectNode before = ObjectNodes.child(old, "spec") == null ? ObjectNodes.EMPTY.deepCopy()
                : old.get("spec").deepCopy();
        for (String mutable : List.of("replicas", "template", "updateStrategy", "minReadySeconds", "ordinals",
                "persistentVolumeClaimRetentionPolicy")) {
            now.remove(mutable);
            before.remove(mutable);
        }
        if (!Semantic.equal(now, before)) {
            e.forbidden(FieldPath.of("spec"), "updates to statefulset spec for fields other than 'replicas', "
                    + "'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                    + "'minReadySeconds' are forbidden");
        }
    }

    /** ValidateStatefulSetStatusUpdate: non-negative counts, none above status.replicas, collisionCount not lowered. */
    public static void statefulSetStatusUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        ObjectNode status = ObjectNodes.child(obj, "status");
        FieldPath p = FieldPath.of("status");
        Long replicas = e.integer(status, "replicas", p.child("replicas"));
        e.nonNegative(replicas, p.child("replicas"));
        long total = replicas == null ? 0 : replicas;
        Long ready = e.integer(status, "readyReplicas", p.child("readyReplicas"));
        for (String f : List.of("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas",
                "observedGeneration", "collisionCount")) {
            e.nonNegative(e.integer(status, f, p.child(f)), p.child(f));
        }
        for (String f : List.of("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas")) {
            Long v = e.integer(status, f, p.child(f));
            if (v != null && v > total) {
                e.invalid(p.child(f), v, "cannot be greater than status.replicas");
            }
        }
        Long available = e.integer(status, "availableReplicas", p.child("availableReplicas"));
        if (available != null && available > (ready == null ? 0 : ready)) {
            e.invalid(p.child("availableReplicas"), available, "cannot be greater than status.readyReplicas");
        }
        MetaValidation.objectMetaUpdate(e, obj, old);
        collisionCountNotDecremented(e, obj, old);
    }

    private static void collisionCountNotDecremented(Errs e, ObjectNode obj, ObjectNode old) {
        JsonNode now = obj.path("status").get("collisionCount");
        JsonNode before = old.path("status").get("collisionCount");
        if (before == null || !before.isIntegralNumber()) {
            return;
        }
        long value = now == null || !now.isIntegralNumber() ? 0 : now.asLong();
        if (value < before.asLong() || now == null || now.isNull()) {
            e.invalid(FieldPath.of("status", "collisionCount"), value, "cannot be decremented");
        }
    }

    /** IsNotMoreThan100Percent. */
    static void notMoreThan100Percent(Errs e, JsonNode value, FieldPath p) {
        Integer percent = WorkloadValidation.percentValue(value);
        if (percent != null && percent > 100) {
            e.invalid(p, WorkloadValidation.intOrString(value), "must not be greater than 100%");
        }
    }
}
