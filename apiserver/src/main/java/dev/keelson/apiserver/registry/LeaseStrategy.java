package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.CoordinationValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

/** coordination.k8s.io/v1 Leases: node heartbeats and leader election. */
public final class LeaseStrategy extends Strategy {
    public LeaseStrategy() {
        super(Registration.namespaced("coordination.k8s.io/v1", "Lease", "leases", Lease.class));
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        CoordinationValidation.lease(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.LEASES;
    }
}
