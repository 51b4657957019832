package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.BatchPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.BatchDefaults;
import dev.keelson.apiserver.validation.BatchValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;

/** batch/v1 CronJobs: a cron schedule in a time zone and a Job template; the cronjob controller runs them. */
public final class CronJobStrategy extends Strategy {
    public CronJobStrategy() {
        super(Registration.namespaced("batch/v1", "CronJob", "cronjobs", CronJob.class).shortNames("cj")
                .categories("all").subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        BatchDefaults.cronJob(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        BatchValidation.cronJob(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        super.validateUpdate(e, newObj, oldObj);
        BatchValidation.cronJobUpdate(e, newObj, oldObj);
    }

    @Override
    public TablePrinter printer() {
        return BatchPrinters.CRON_JOBS;
    }
}
