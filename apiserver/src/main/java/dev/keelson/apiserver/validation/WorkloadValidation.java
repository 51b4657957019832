package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Semantic;
import java.util.List;
import java.util.Map;

/**
 * Workloads as Kubernetes validates them: apps/v1 Deployments, ReplicaSets and ControllerRevisions (apps/validation),
 * core/v1 ReplicationControllers and PodTemplates (core/validation), and the autoscaling/v1 Scale subresource.
 */
public final class WorkloadValidation {

    private WorkloadValidation() {
    }

    public static void deployment(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = specOf(e, obj, p);
        e.nonNegative(e.integer(spec, "replicas", p.child("replicas")), p.child("replicas"));
        selectorAndTemplate(e, spec, p, "deployment");
        strategy(e, e.object(spec, "strategy", p.child("strategy")), p.child("strategy"));
        Long minReady = e.integer(spec, "minReadySeconds", p.child("minReadySeconds"));
        e.nonNegative(minReady, p.child("minReadySeconds"));
        e.nonNegative(e.integer(spec, "revisionHistoryLimit", p.child("revisionHistoryLimit")), p.child("revisionHistoryLimit"));
        Long deadline = e.integer(spec, "progressDeadlineSeconds", p.child("progressDeadlineSeconds"));
        if (deadline != null) {
            e.nonNegative(deadline, p.child("progressDeadlineSeconds"));
            if (deadline <= (minReady == null ? 0 : minReady)) {
                e.invalid(p.child("progressDeadlineSeconds"), deadline, "must be greater than minReadySeconds");
            }
        }
    }

    public static void replicaSet(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = specOf(e, obj, p);
        e.nonNegative(e.integer(spec, "replicas", p.child("replicas")), p.child("replicas"));
        e.nonNegative(e.integer(spec, "minReadySeconds", p.child("minReadySeconds")), p.child("minReadySeconds"));
        selectorAndTemplate(e, spec, p, "deployment");
    }

    /** The object's spec ({} when absent or not an object, which {@link Errs#object} reports). */
    static ObjectNode specOf(Errs e, ObjectNode obj, FieldPath p) {
        ObjectNode spec = e.object(obj, "spec", p);
        return spec == null ? ObjectNodes.EMPTY : spec;
    }

    /** Update rules shared by Deployments and ReplicaSets: the selector may not change. */
    public static void selectorImmutable(Errs e, ObjectNode obj, ObjectNode old) {
        JsonNode now = ObjectNodes.child(obj, "spec") == null ? null : obj.get("spec").get("selector");
        JsonNode before = ObjectNodes.child(old, "spec") == null ? null : old.get("spec").get("selector");
        if (!Semantic.equal(now, before)) {
            e.invalid(FieldPath.of("spec", "selector"), MetaValidation.goSelector(now), "field is immutable");
        }
    }

    static void scale(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", p);
        Long replicas = e.integer(spec, "replicas", p.child("replicas"));
        if (replicas != null && replicas < 0) {
            e.invalid(p.child("replicas"), replicas, "must be greater than or equal to 0");
        }
    }

    private static void selectorAndTemplate(Errs e, ObjectNode spec, FieldPath p, String kindWord) {
        FieldPath sp = p.child("selector");
        ObjectNode selector = e.object(spec, "selector", sp);
        boolean usable = true;
        if (selector == null) {
            e.required(sp, "");
            usable = false;
        } else {
            usable = MetaValidation.labelSelector(e, selector, sp);
            if (MetaValidation.selectorEmpty(selector)) {
                e.invalid(sp, MetaValidation.goSelector(selector), "empty selector is invalid for " + kindWord);
            }
        }
        if (!usable && selector != null) {
            e.invalid(sp, MetaValidation.goSelector(selector), "invalid label selector");
            return;
        }
        FieldPath tp = p.child("template");
        ObjectNode template = e.object(spec, "template", tp);
        if (template == null) {
            template = ObjectNodes.EMPTY;
        }
        Map<String, String> labels = templateLabels(template);
        if (!MetaValidation.selectorEmpty(selector) && !MetaValidation.selectorMatches(selector, labels)) {
            selectorMismatch(e, labels, tp);
        }
        controllerTemplate(e, template, tp, "ReplicaSet");
    }

    static Map<String, String> templateLabels(ObjectNode template) {
        return MetaValidation.toMap(ObjectNodes.child(template, "metadata") == null ? null
                : template.get("metadata").get("labels"));
    }

    static void selectorMismatch(Errs e, Map<String, String> labels, FieldPath tp) {
        Object shown = labels.isEmpty() ? new GoValues.Literal("map[string]string(nil)") : labels;
        e.invalid(tp.child("metadata").child("labels"), shown, "`selector` does not match template `labels`");
    }

    /** The pod template of a controller that keeps pods running: restartPolicy Always, no activeDeadlineSeconds. */
    static void controllerTemplate(Errs e, ObjectNode template, FieldPath tp, String kind) {
        PodValidation.podTemplate(e, template, tp);
        ObjectNode podSpec = ObjectNodes.child(template, "spec");
        String restart = ObjectNodes.text(podSpec, "restartPolicy");
        if (!restart.isEmpty() && !restart.equals("Always")) {
            e.notSupported(tp.child("spec").child("restartPolicy"), restart, List.of("Always"));
        }
        if (ObjectNodes.has(podSpec, "activeDeadlineSeconds")) {
            e.forbidden(tp.child("spec").child("activeDeadlineSeconds"), "activeDeadlineSeconds in " + kind
                    + " is not Supported");
        }
    }

    /** core/v1 ReplicationController (ValidateReplicationController): a label-map selector its template matches. */
    public static void replicationController(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = specOf(e, obj, p);
        e.nonNegative(e.integer(spec, "minReadySeconds", p.child("minReadySeconds")), p.child("minReadySeconds"));
        Map<String, String> found = e.stringMap(spec, "selector", p.child("selector"));
        Map<String, String> selector = found == null ? Map.of() : found;
        if (selector.isEmpty()) {
            e.required(p.child("selector"), "");
        }
        e.nonNegative(e.integer(spec, "replicas", p.child("replicas")), p.child("replicas"));
        FieldPath tp = p.child("template");
        ObjectNode template = e.object(spec, "template", tp);
        if (template == null) {
            e.required(tp, "");
        } else {
            Map<String, String> labels = templateLabels(template);
            boolean matches = selector.entrySet().stream().allMatch(en -> en.getValue().equals(labels.get(en.getKey())));
            if (!selector.isEmpty() && !matches) {
                selectorMismatch(e, labels, tp);
            }
            controllerTemplate(e, template, tp, "ReplicationController");
        }
        replicaCounts(e, ObjectNodes.child(obj, "status"), FieldPath.of("status"));
    }

    /** ValidateReplicationControllerStatus: counts are non-negative and none exceeds the replicas it is part of. */
    private static void replicaCounts(Errs e, ObjectNode status, FieldPath p) {
        if (status == null) {
            return;
        }
        Long replicas = e.integer(status, "replicas", p.child("replicas"));
        e.nonNegative(replicas, p.child("replicas"));
        Long labeled = e.integer(status, "fullyLabeledReplicas", p.child("fullyLabeledReplicas"));
        e.nonNegative(labeled, p.child("fullyLabeledReplicas"));
        Long ready = e.integer(status, "readyReplicas", p.child("readyReplicas"));
        e.nonNegative(ready, p.child("readyReplicas"));
        Long available = e.integer(status, "availableReplicas", p.child("availableReplicas"));
        e.nonNegative(available, p.child("availableReplicas"));
        e.nonNegative(e.integer(status, "observedGeneration", p.child("observedGeneration")),
                p.child("observedGeneration"));
        long total = replicas == null ? 0 : replicas;
        if (labeled != null && labeled > total) {
            e.invalid(p.child("fullyLabeledReplicas"), labeled, "cannot be greater than status.replicas");
        }
        if (ready != null && ready > total) {
            e.invalid(p.child("readyReplicas"), ready, "cannot be greater than status.replicas");
        }
        if (available != null && available > total) {
            e.invalid(p.child("availableReplicas"), available, "cannot be greater than status.replicas");
        }
        if (available != null && available > (ready == null ? 0 : ready)) {
            e.invalid(p.child("availableReplicas"), available, "cannot be greater than readyReplicas");
        }
    }

    /** core/v1 PodTemplate (ValidatePodTemplate): its metadata and the pod template under {@code template}. */
    public static void podTemplate(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath tp = FieldPath.of("template");
        ObjectNode template = e.object(obj, "template", tp);
        PodValidation.podTemplate(e, template == null ? ObjectNodes.EMPTY : template, tp);
    }

    /** apps/v1 ControllerRevision (ValidateControllerRevisionCreate): data is mandatory, revision non-negative. */
    public static void controllerRevision(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        JsonNode data = obj.get("data");
        if (data == null || data.isNull()) {
            e.required(FieldPath.of("data"), "data is mandatory");
        }
        e.nonNegative(e.integer(obj, "revision", FieldPath.of("revision")), FieldPath.of("revision"));
    }

    /** ValidateControllerRevisionUpdate: a revision's data never changes. */
    public static void controllerRevisionUpdate(Errs e, ObjectNode obj, ObjectNode old, boolean namespaced) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        controllerRevision(e, obj, namespaced);
        if (!Semantic.equal(obj.get("data"), old.get("data"))) {
            e.invalid(FieldPath.of("data"), new GoValues.Literal("runtime.RawExtension{Raw:" + rawBytes(obj.get("data"))
                    + ", Object:runtime.Object(nil)}"), "field is immutable");
        }
    }

    /** Go's {@code %#v} of the []byte a RawExtension holds: its JSON as a byte list. */
    private static String rawBytes(JsonNode data) {
        if (data == null || data.isNull()) {
            return "[]uint8(nil)";
        }
        byte[] bytes = data.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder("[]uint8{");
        for (int i = 0; i < bytes.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format("0x%x", bytes[i] & 0xff));
        }
        return b.append('}').toString();
    }

    private static void strategy(Errs e, ObjectNode strategy, FieldPath p) {
        String type = strategy == null ? "" : e.text(strategy, "type", p.child("type"));
        ObjectNode rolling = strategy == null ? null : e.object(strategy, "rollingUpdate", p.child("rollingUpdate"));
        switch (type) {
            case "Recreate" -> {
                if (rolling != null) {
                    e.forbidden(p.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'");
                }
            }
            case "RollingUpdate" -> {
                if (rolling == null) {
                    e.required(p.child("rollingUpdate"), "this should be defaulted and never be nil");
                } else {
                    rollingUpdate(e, rolling, p.child("rollingUpdate"));
                }
            }
            default -> e.notSupported(p, new GoValues.Literal("apps.DeploymentStrategy{Type:" + GoValues.quote(type)
                    + ", RollingUpdate:" + (rolling == null ? "(*apps.RollingUpdateDeployment)(nil)" : rolling.toString()) + "}"),
                    List.of("Recreate", "RollingUpdate"));
        }
    }

    private static void rollingUpdate(Errs e, ObjectNode rolling, FieldPath p) {
        JsonNode unavailable = rolling.get("maxUnavailable");
        JsonNode surge = rolling.get("maxSurge");
        positiveIntOrPercent(e, unavailable, p.child("maxUnavailable"));
        positiveIntOrPercent(e, surge, p.child("maxSurge"));
        if (intOrPercentValue(unavailable) == 0 && intOrPercentValue(surge) == 0) {
            e.invalid(p.child("maxUnavailable"), intOrString(unavailable), "may not be 0 when `maxSurge` is 0");
        }
        Integer percent = percentValue(unavailable);
        if (percent != null && percent > 100) {
            e.invalid(p.child("maxUnavailable"), intOrString(unavailable), "must not be greater than 100%");
        }
    }

    static void positiveIntOrPercent(Errs e, JsonNode value, FieldPath p) {
        if (value == null || value.isNull()) {
            return;
        }
        if (value.isTextual()) {
            e.invalidEach(p, intOrString(value), Formats.percent(value.textValue()));
        } else if (value.isIntegralNumber()) {
            e.nonNegative(value.longValue(), p);
        } else {
            e.invalid(p, intOrString(value), "must be an integer or percentage (e.g '5%')");
        }
    }

    /** An IntOrString prints through its String() method: unquoted. */
    static GoValues.Literal intOrString(JsonNode value) {
        return new GoValues.Literal(value == null || value.isNull() ? "0" : value.asText());
    }

    static Integer percentValue(JsonNode value) {
        if (value == null || !value.isTextual() || !Formats.percent(value.textValue()).isEmpty()) {
            return null;
        }
        String digits = value.textValue().substring(0, value.textValue().length() - 1);
        return digits.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(digits);
    }

    static long intOrPercentValue(JsonNode value) {
        Integer percent = percentValue(value);
        if (percent != null) {
            return percent;
        }
        return value != null && value.isIntegralNumber() ? value.longValue() : 0;
    }
}
