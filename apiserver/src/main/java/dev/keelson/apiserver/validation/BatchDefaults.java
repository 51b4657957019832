package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** batch/v1 defaults (pkg/apis/batch/v1/defaults.go): SetDefaults_Job and SetDefaults_CronJob, and their pod specs. */
public final class BatchDefaults {
    private BatchDefaults() {
    }

    public static void job(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        jobSpec(spec);
        // a Job without labels takes its template's
        JsonNode labels = spec.path("template").path("metadata").path("labels");
        ObjectNode meta = ObjectNodes.ensure(obj, "metadata");
        if (labels.isObject() && !labels.isEmpty() && (!meta.path("labels").isObject() || meta.path("labels").isEmpty())) {
            meta.set("labels", labels.deepCopy());
        }
    }

    static void jobSpec(ObjectNode spec) {
        if (!ObjectNodes.has(spec, "completions") && !ObjectNodes.has(spec, "parallelism")) {
            spec.put("completions", 1);
            spec.put("parallelism", 1);
        }
        if (!ObjectNodes.has(spec, "parallelism")) {
            spec.put("parallelism", 1);
        }
        if (!ObjectNodes.has(spec, "backoffLimit")) {
            spec.put("backoffLimit", ObjectNodes.has(spec, "backoffLimitPerIndex") ? Integer.MAX_VALUE : 6);
        }
        if (!ObjectNodes.has(spec, "completionMode")) {
            spec.put("completionMode", "NonIndexed");
        }
        if (!ObjectNodes.has(spec, "suspend")) {
            spec.put("suspend", false);
        }
        if (!ObjectNodes.has(spec, "manualSelector")) {
            spec.put("manualSelector", false);
        }
        boolean failurePolicy = ObjectNodes.has(spec, "podFailurePolicy");
        if (failurePolicy && spec.get("podFailurePolicy").path("rules").isArray()) {
            for (JsonNode rule : spec.get("podFailurePolicy").get("rules")) {
                for (JsonNode cond : rule.path("onPodConditions")) {
                    if (cond instanceof ObjectNode c && !ObjectNodes.has(c, "status")) {
                        c.put("status", "True");
                    }
                }
            }
        }
        if (!ObjectNodes.has(spec, "podReplacementPolicy")) {
            spec.put("podReplacementPolicy", failurePolicy ? "Failed" : "TerminatingOrFailed");
        }
        Defaults.podSpec(ObjectNodes.ensure(ObjectNodes.ensure(spec, "template"), "spec"));
    }

    public static void cronJob(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.ensure(obj, "spec");
        if (!ObjectNodes.has(spec, "concurrencyPolicy") || spec.get("concurrencyPolicy").asText().isEmpty()) {
            spec.put("concurrencyPolicy", "Allow");
        }
        if (!ObjectNodes.has(spec, "suspend")) {
            spec.put("suspend", false);
        }
        if (!ObjectNodes.has(spec, "successfulJobsHistoryLimit")) {
            spec.put("successfulJobsHistoryLimit", 3);
        }
        if (!ObjectNodes.has(spec, "failedJobsHistoryLimit")) {
            spec.put("failedJobsHistoryLimit", 1);
        }
        ObjectNode jobSpec = ObjectNodes.ensure(ObjectNodes.ensure(spec, "jobTemplate"), "spec");
        Defaults.podSpec(ObjectNodes.ensure(ObjectNodes.ensure(jobSpec, "template"), "spec"));
    }
}
