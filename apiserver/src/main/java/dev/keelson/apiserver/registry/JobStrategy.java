package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.BatchPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.BatchDefaults;
import dev.keelson.apiserver.validation.BatchValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * batch/v1 Jobs. On create, unless {@code spec.manualSelector} is true, the selector is generated as Kubernetes'
 * job strategy does: the template gets {@code batch.kubernetes.io/controller-uid} and {@code controller-uid} (the
 * Job's UID) and {@code batch.kubernetes.io/job-name} and {@code job-name} labels, and the selector matches the UID.
 */
public final class JobStrategy extends Strategy {
    public JobStrategy() {
        super(Registration.namespaced("batch/v1", "Job", "jobs", Job.class).categories("all")
                .subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        BatchDefaults.job(obj);
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        super.prepareForCreate(obj);
        ObjectNode spec = (ObjectNode) obj.get("spec");
        if (spec != null && !spec.path("manualSelector").asBoolean(false)) {
            generateSelector(obj, spec);
        }
    }

    private static void generateSelector(ObjectNode obj, ObjectNode spec) {
        ObjectNode meta = Json.meta(obj);
        String uid = meta.path("uid").asText();
        String name = meta.path("name").asText();
        ObjectNode template = spec.get("template") instanceof ObjectNode t ? t : spec.putObject("template");
        ObjectNode tmeta = template.get("metadata") instanceof ObjectNode m ? m : template.putObject("metadata");
        ObjectNode labels = tmeta.get("labels") instanceof ObjectNode l ? l : tmeta.putObject("labels");
        // a label the user set is kept; a conflict is refused by validation
        for (String key : new String[] {BatchValidation.LEGACY_JOB_NAME, BatchValidation.JOB_NAME}) {
            if (!labels.has(key)) {
                labels.put(key, name);
            }
        }
        for (String key : new String[] {BatchValidation.LEGACY_CONTROLLER_UID, BatchValidation.CONTROLLER_UID}) {
            if (!labels.has(key)) {
                labels.put(key, uid);
            }
        }
        ObjectNode selector = spec.get("selector") instanceof ObjectNode s ? s : spec.putObject("selector");
        ObjectNode matchLabels = selector.get("matchLabels") instanceof ObjectNode m ? m : selector.putObject("matchLabels");
        if (!matchLabels.has(BatchValidation.CONTROLLER_UID)) {
            matchLabels.put(BatchValidation.CONTROLLER_UID, uid);
        }
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        BatchValidation.job(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        super.validateUpdate(e, newObj, oldObj);
        BatchValidation.jobUpdate(e, newObj, oldObj);
    }

    @Override
    public TablePrinter printer() {
        return BatchPrinters.JOBS;
    }
}
