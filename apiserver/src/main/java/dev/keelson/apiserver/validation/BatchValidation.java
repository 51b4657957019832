package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.cron.CronSchedule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** batch/v1 Jobs and CronJobs as Kubernetes validates them (pkg/apis/batch/validation). */
public final class BatchValidation {
    /** batch.kubernetes.io/controller-uid: the label a generated selector selects. */
    public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    public static final String LEGACY_CONTROLLER_UID = "controller-uid";
    public static final String JOB_NAME = "batch.kubernetes.io/job-name";
    public static final String LEGACY_JOB_NAME = "job-name";
    private static final int MAX_PARALLELISM_INDEXED = 100_000;
    private static final int MAX_COMPLETIONS_PER_INDEX = 100_000;
    private static final int MAX_FAILURE_POLICY_RULES = 20;
    private static final int MAX_EXIT_CODE_VALUES = 255;
    private static final int MAX_POD_CONDITIONS = 20;

    private BatchValidation() {
    }

    /** ValidateJob: metadata, the generated selector (unless manualSelector) and the spec. */
    public static void job(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        ObjectNode spec = e.object(obj, "spec", FieldPath.of("spec"));
        spec = spec == null ? ObjectNodes.EMPTY : spec;
        generatedSelector(e, obj, spec);
        FieldPath p = FieldPath.of("spec");
        if (ObjectNodes.child(spec, "selector") == null) {
            e.required(p.child("selector"), "");
        }
        jobSpec(e, spec, p);
        jobStatus(e, ObjectNodes.child(obj, "status"), FieldPath.of("status"));
    }

    /** ValidateGeneratedSelector: a Job without manualSelector selects exactly its own controller-uid. */
    private static void generatedSelector(Errs e, ObjectNode obj, ObjectNode spec) {
        if (spec.path("manualSelector").asBoolean(false)) {
            return;
        }
        String uid = obj.path("metadata").path("uid").asText("");
        if (uid.isEmpty()) {
            e.required(FieldPath.of("metadata", "uid"), "");
        }
        FieldPath lp = FieldPath.of("spec", "template", "metadata", "labels");
        Map<String, String> labels = MetaValidation.toMap(spec.path("template").path("metadata").get("labels"));
        String v = labels.get(CONTROLLER_UID);
        if (v == null) {
            e.required(lp.key(CONTROLLER_UID), "must be '" + uid + "'");
        } else if (!v.equals(uid)) {
            e.invalid(lp, labels, "`selector` does not match template `labels`");
        }
        ObjectNode selector = ObjectNodes.child(spec, "selector");
        if (selector != null) {
            Map<String, String> expected = Map.of(CONTROLLER_UID, uid);
            if (!MetaValidation.selectorMatches(selector, expected) || !uid.equals(
                    selector.path("matchLabels").path(CONTROLLER_UID).asText(null))) {
                e.invalid(FieldPath.of("spec", "selector"), MetaValidation.goSelector(selector),
                        "`selector` not auto-generated");
            }
        }
    }

    /** validateJobSpec, shared by Jobs and CronJob job templates. */
    static void jobSpec(Errs e, ObjectNode spec, FieldPath p) {
        Long parallelism = e.integer(spec, "parallelism", p.child("parallelism"));
        e.nonNegative(parallelism, p.child("parallelism"));
        Long completions = e.integer(spec, "completions", p.child("completions"));
        e.nonNegative(completions, p.child("completions"));
        e.nonNegative(e.integer(spec, "activeDeadlineSeconds", p.child("activeDeadlineSeconds")),
                p.child("activeDeadlineSeconds"));
        e.nonNegative(e.integer(spec, "backoffLimit", p.child("backoffLimit")), p.child("backoffLimit"));
        e.nonNegative(e.integer(spec, "ttlSecondsAfterFinished", p.child("ttlSecondsAfterFinished")),
                p.child("ttlSecondsAfterFinished"));
        String mode = e.text(spec, "completionMode", p.child("completionMode"));
        boolean indexed = mode.equals("Indexed");
        if (!mode.isEmpty() && !indexed && !mode.equals("NonIndexed")) {
            e.notSupported(p.child("completionMode"), mode, List.of("NonIndexed", "Indexed"));
        }
        if (indexed) {
            if (completions == null) {
                e.required(p.child("completions"), "when completion mode is Indexed");
            }
            if (parallelism != null && parallelism > MAX_PARALLELISM_INDEXED) {
                e.invalid(p.child("parallelism"), parallelism, "must be less than or equal to "
                        + MAX_PARALLELISM_INDEXED + " when completion mode is Indexed");
            }
        }
        Long perIndex = e.integer(spec, "backoffLimitPerIndex", p.child("backoffLimitPerIndex"));
        if (perIndex != null) {
            e.nonNegative(perIndex, p.child("backoffLimitPerIndex"));
            if (!indexed) {
                e.forbidden(p.child("backoffLimitPerIndex"), "requires indexed completion mode");
            } else if (completions != null && completions > MAX_COMPLETIONS_PER_INDEX) {
                e.invalid(p.child("completions"), completions, "must be less than or equal to "
                        + MAX_COMPLETIONS_PER_INDEX + " when backoffLimitPerIndex is specified");
            }
        }
        Long maxFailed = e.integer(spec, "maxFailedIndexes", p.child("maxFailedIndexes"));
        if (maxFailed != null) {
            e.nonNegative(maxFailed, p.child("maxFailedIndexes"));
            if (perIndex == null) {
                e.required(p.child("backoffLimitPerIndex"), "when maxFailedIndexes is specified");
            }
        }
        ObjectNode selector = e.object(spec, "selector", p.child("selector"));
        if (selector != null) {
            MetaValidation.labelSelector(e, selector, p.child("selector"));
        }
        FieldPath tp = p.child("template");
        ObjectNode template = e.object(spec, "template", tp);
        template = template == null ? ObjectNodes.EMPTY : template;
        Map<String, String> labels = MetaValidation.toMap(template.path("metadata").get("labels"));
        if (selector != null && !MetaValidation.selectorMatches(selector, labels)) {
            Object shown = labels.isEmpty() ? new GoValues.Literal("map[string]string(nil)") : labels;
            e.invalid(tp.child("metadata").child("labels"), shown, "`selector` does not match template `labels`");
        }
        PodValidation.podTemplate(e, template, tp);
        String restart = template.path("spec").path("restartPolicy").asText("");
        ObjectNode failurePolicy = e.object(spec, "podFailurePolicy", p.child("podFailurePolicy"));
        if (!restart.equals("OnFailure") && !restart.equals("Never")) {
            e.notSupported(tp.child("spec").child("restartPolicy"), restart, List.of("OnFailure", "Never"));
        } else if (restart.equals("OnFailure") && failurePolicy != null) {
            e.invalid(tp.child("spec").child("restartPolicy"), restart,
                    "only \"Never\" is supported when podFailurePolicy is specified");
        }
        if (failurePolicy != null) {
            podFailurePolicy(e, failurePolicy, template, p.child("podFailurePolicy"), indexed && perIndex != null);
        }
        String replacement = e.text(spec, "podReplacementPolicy", p.child("podReplacementPolicy"));
        if (!replacement.isEmpty()) {
            if (failurePolicy != null && !replacement.equals("Failed")) {
                e.notSupported(p.child("podReplacementPolicy"), replacement, List.of("Failed"));
            } else if (!replacement.equals("Failed") && !replacement.equals("TerminatingOrFailed")) {
                e.notSupported(p.child("podReplacementPolicy"), replacement, List.of("TerminatingOrFailed", "Failed"));
            }
        }
    }

    private static void podFailurePolicy(Errs e, ObjectNode policy, ObjectNode template, FieldPath p,
                                         boolean perIndex) {
        List<ObjectNode> rules = e.objects(policy, "rules", p.child("rules"));
        if (rules.size() > MAX_FAILURE_POLICY_RULES) {
            e.add(FieldError.tooMany(p.child("rules"), rules.size(), MAX_FAILURE_POLICY_RULES));
        }
        Set<String> containers = new HashSet<>();
        for (JsonNode c : template.path("spec").path("containers")) {
            containers.add(c.path("name").asText());
        }
        for (JsonNode c : template.path("spec").path("initContainers")) {
            containers.add(c.path("name").asText());
        }
        List<String> actions = perIndex ? List.of("Count", "FailIndex", "FailJob", "Ignore")
                : List.of("Count", "FailJob", "Ignore");
        for (int i = 0; i < rules.size(); i++) {
            FieldPath rp = p.child("rules").index(i);
            ObjectNode rule = rules.get(i);
            String action = e.text(rule, "action", rp.child("action"));
            if (action.isEmpty()) {
                e.required(rp.child("action"), "");
            } else if (!List.of("Count", "FailIndex", "FailJob", "Ignore").contains(action)) {
                e.notSupported(rp.child("action"), action, List.of("Count", "FailIndex", "FailJob", "Ignore"));
            } else if (!actions.contains(action)) {
                e.forbidden(rp.child("action"), "The action 'FailIndex' can only be used when backoffLimitPerIndex"
                        + " is specified");
            }
            ObjectNode exit = e.object(rule, "onExitCodes", rp.child("onExitCodes"));
            List<ObjectNode> conds = e.objects(rule, "onPodConditions", rp.child("onPodConditions"));
            boolean hasConds = ObjectNodes.has(rule, "onPodConditions");
            if (exit != null && hasConds) {
                e.invalid(rp, new GoValues.Literal("specifying both OnExitCodes and OnPodConditions is not supported"),
                        "specifying both OnExitCodes and OnPodConditions is not supported");
            } else if (exit == null && !hasConds) {
                e.invalid(rp, new GoValues.Literal("specifying one of OnExitCodes and OnPodConditions is required"),
                        "specifying one of OnExitCodes and OnPodConditions is required");
            }
            if (exit != null) {
                exitCodes(e, exit, rp.child("onExitCodes"), containers);
            }
            if (conds.size() > MAX_POD_CONDITIONS) {
                e.add(FieldError.tooMany(rp.child("onPodConditions"), conds.size(), MAX_POD_CONDITIONS));
            }
            for (int j = 0; j < conds.size(); j++) {
                FieldPath cp = rp.child("onPodConditions").index(j);
                String status = e.text(conds.get(j), "status", cp.child("status"));
                if (!List.of("True", "False", "Unknown").contains(status)) {
                    e.notSupported(cp.child("status"), status, List.of("True", "False", "Unknown"));
                }
                String type = e.text(conds.get(j), "type", cp.child("type"));
                if (type.isEmpty()) {
                    e.required(cp.child("type"), "");
                } else {
                    MetaValidation.labelName(e, type, cp.child("type"));
                }
            }
        }
    }

    private static void exitCodes(Errs e, ObjectNode exit, FieldPath p, Set<String> containers) {
        String container = e.str(exit, "containerName", p.child("containerName"));
        if (container != null && !containers.contains(container)) {
            e.invalid(p.child("containerName"), container, "must be one of the container or initContainer names in "
                    + "the pod template");
        }
        String op = e.text(exit, "operator", p.child("operator"));
        if (op.isEmpty()) {
            e.required(p.child("operator"), "");
        } else if (!op.equals("In") && !op.equals("NotIn")) {
            e.notSupported(p.child("operator"), op, List.of("In", "NotIn"));
        }
        List<Long> values = new ArrayList<>();
        JsonNode arr = exit.get("values");
        if (arr != null && arr.isArray()) {
            for (int i = 0; i < arr.size(); i++) {
                JsonNode el = arr.get(i);
                if (el.isIntegralNumber() && el.canConvertToInt()) {
                    values.add(el.asLong());
                } else {
                    e.add(FieldError.typeInvalid(p.child("values").index(i), el, "must be of type int32"));
                }
            }
        }
        if (values.isEmpty()) {
            e.invalid(p.child("values"), new GoValues.Literal("[]int32(nil)"), "at least one value is required");
        }
        if (values.size() > MAX_EXIT_CODE_VALUES) {
            e.add(FieldError.tooMany(p.child("values"), values.size(), MAX_EXIT_CODE_VALUES));
        }
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            long v = values.get(i);
            FieldPath vp = p.child("values").index(i);
            if (op.equals("In") && v == 0) {
                e.invalid(vp, v, "must not be 0 for the In operator");
            }
            if (!seen.add(v)) {
                e.duplicate(vp, v);
            }
            if (i > 0 && values.get(i - 1) > v) {
                e.invalid(vp, v, "must be ordered");
            }
        }
    }

    private static void jobStatus(Errs e, ObjectNode status, FieldPath p) {
        if (status == null) {
            return;
        }
        for (String f : List.of("active", "succeeded", "failed", "ready", "terminating")) {
            e.nonNegative(e.integer(status, f, p.child(f)), p.child(f));
        }
    }

    /** ValidateJobUpdate: the spec's identity (selector, template, completion mode, ...) is immutable. */
    public static void jobUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        ObjectNode spec = ObjectNodes.child(obj, "spec");
        ObjectNode oldSpec = ObjectNodes.child(old, "spec");
        if (spec == null || oldSpec == null) {
            return;
        }
        FieldPath p = FieldPath.of("spec");
        WorkloadValidation.selectorImmutable(e, obj, old);
        if (!Semantic.equal(spec.get("template"), oldSpec.get("template"))
                && !(mutableSchedulingDirectives(old) && onlySchedulingChanged(spec.get("template"), oldSpec.get("template")))) {
            e.invalid(p.child("template"), new GoValues.Literal("core.PodTemplateSpec{...}"), "field is immutable");
        }
        boolean indexed = "Indexed".equals(oldSpec.path("completionMode").asText());
        JsonNode completions = spec.get("completions");
        JsonNode oldCompletions = oldSpec.get("completions");
        if (!Semantic.equal(completions, oldCompletions)) {
            boolean elastic = indexed && completions != null && oldCompletions != null
                    && completions.equals(spec.get("parallelism")) && oldCompletions.equals(oldSpec.get("parallelism"));
            if (!elastic) {
                e.invalid(p.child("completions"), completions == null ? new GoValues.Literal("<nil>") : completions.asLong(),
                        indexed ? "can only be modified in tandem with spec.parallelism" : "field is immutable");
            }
        }
        for (String f : List.of("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "manualSelector")) {
            if (!Semantic.equal(spec.get(f), oldSpec.get(f))) {
                JsonNode v = spec.get(f);
                Object shown = v == null ? new GoValues.Literal("<nil>") : v.isTextual() ? v.asText()
                        : v.isNumber() ? v.asLong() : v.isBoolean() ? v.asBoolean() : new GoValues.Literal(v.toString());
                e.invalid(p.child(f), shown, "field is immutable");
            }
        }
    }

    /** A suspended Job that never started may change its pods' scheduling directives (MutableSchedulingDirectives). */
    private static boolean mutableSchedulingDirectives(ObjectNode old) {
        return old.path("spec").path("suspend").asBoolean(false) && !ObjectNodes.has(ObjectNodes.child(old, "status"),
                "startTime");
    }

    private static boolean onlySchedulingChanged(JsonNode template, JsonNode oldTemplate) {
        if (!(template instanceof ObjectNode t) || !(oldTemplate instanceof ObjectNode o)) {
            return false;
        }
        ObjectNode a = t.deepCopy();
        ObjectNode b = o.deepCopy();
        for (ObjectNode x : List.of(a, b)) {
            if (x.get("metadata") instanceof ObjectNode m) {
                m.remove(List.of("labels", "annotations"));
            }
            if (x.get("spec") instanceof ObjectNode s) {
                s.remove(List.of("nodeSelector", "tolerations", "affinity", "schedulingGates"));
            }
        }
        return Semantic.equal(a, b);
    }

    /** ValidateCronJobCreate: name short enough for its jobs' names, schedule, time zone, policy and job template. */
    public static void cronJob(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        String name = obj.path("metadata").path("name").asText("");
        if (name.length() > 52) {
            e.invalid(FieldPath.of("metadata", "name"), name, "must be no more than 52 characters");
        }
        cronJobSpec(e, obj);
    }

    /** ValidateCronJobUpdate: the same checks on the new object. */
    public static void cronJobUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        cronJobSpec(e, obj);
    }

    private static void cronJobSpec(Errs e, ObjectNode obj) {
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", p);
        spec = spec == null ? ObjectNodes.EMPTY : spec;
        String schedule = e.text(spec, "schedule", p.child("schedule"));
        String timeZone = e.str(spec, "timeZone", p.child("timeZone"));
        if (schedule.isEmpty()) {
            e.required(p.child("schedule"), "");
        } else {
            try {
                CronSchedule.parse(schedule);
            } catch (IllegalArgumentException ex) {
                e.invalid(p.child("schedule"), schedule, ex.getMessage());
            }
            if (schedule.contains("TZ")) {
                e.invalid(p.child("schedule"), schedule, timeZone != null
                        ? "cannot use both timeZone field and TZ or CRON_TZ in schedule"
                        : "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
            }
        }
        if (timeZone != null) {
            try {
                CronSchedule.zone(timeZone);
            } catch (IllegalArgumentException ex) {
                e.invalid(p.child("timeZone"), timeZone, ex.getMessage());
            }
        }
        String policy = e.text(spec, "concurrencyPolicy", p.child("concurrencyPolicy"));
        if (policy.isEmpty()) {
            e.required(p.child("concurrencyPolicy"), "");
        } else if (!List.of("Allow", "Forbid", "Replace").contains(policy)) {
            e.notSupported(p.child("concurrencyPolicy"), policy, List.of("Allow", "Forbid", "Replace"));
        }
        for (String f : List.of("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit")) {
            e.nonNegative(e.integer(spec, f, p.child(f)), p.child(f));
        }
        FieldPath jp = p.child("jobTemplate");
        ObjectNode jobTemplate = e.object(spec, "jobTemplate", jp);
        jobTemplate = jobTemplate == null ? ObjectNodes.EMPTY : jobTemplate;
        ObjectNode meta = e.object(jobTemplate, "metadata", jp.child("metadata"));
        MetaValidation.labels(e, e.stringMap(meta, "labels", jp.child("metadata").child("labels")),
                jp.child("metadata").child("labels"));
        MetaValidation.annotations(e, e.stringMap(meta, "annotations", jp.child("metadata").child("annotations")),
                jp.child("metadata").child("annotations"));
        ObjectNode jobSpec = e.object(jobTemplate, "spec", jp.child("spec"));
        jobSpec(e, jobSpec == null ? ObjectNodes.EMPTY : jobSpec, jp.child("spec"));
    }
}
