package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.WorkloadPrinters;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.WorkloadValidation;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;

/** apps/v1 ControllerRevisions: immutable snapshots of a StatefulSet's or DaemonSet's template. */
public final class ControllerRevisionStrategy extends Strategy {
    public ControllerRevisionStrategy() {
        super(Registration.namespaced("apps/v1", "ControllerRevision", "controllerrevisions",
                ControllerRevision.class));
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        WorkloadValidation.controllerRevision(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        WorkloadValidation.controllerRevisionUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return WorkloadPrinters.CONTROLLER_REVISIONS;
    }
}
