package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.WorkloadPrinters;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.WorkloadValidation;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

/** apps/v1 ReplicaSets: kept at their replica count by the replicaset controller; scale and status subresources. */
public final class ReplicaSetStrategy extends Strategy {
    public ReplicaSetStrategy() {
        super(Registration.namespaced("apps/v1", "ReplicaSet", "replicasets", ReplicaSet.class)
                .shortNames("rs").categories("all")
                .subresources("status").scale(ScaleSubresource.WORKLOAD));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.replicaSet(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        WorkloadValidation.replicaSet(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        super.validateUpdate(e, newObj, oldObj);
        WorkloadValidation.selectorImmutable(e, newObj, oldObj);
    }

    @Override
    public TablePrinter printer() {
        return WorkloadPrinters.REPLICA_SETS;
    }
}
