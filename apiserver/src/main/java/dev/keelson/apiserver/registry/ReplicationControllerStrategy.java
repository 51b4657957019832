package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.WorkloadPrinters;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.WorkloadValidation;
import io.fabric8.kubernetes.api.model.ReplicationController;
import java.util.Map;
import java.util.Set;

/** core/v1 ReplicationControllers: a label-map selector, scale and status subresources, selectable by replicas. */
public final class ReplicationControllerStrategy extends Strategy {
    public ReplicationControllerStrategy() {
        super(Registration.namespaced("v1", "ReplicationController", "replicationcontrollers",
                        ReplicationController.class).shortNames("rc").categories("all").subresources("status")
                .scale(ScaleSubresource.REPLICATION_CONTROLLER).storedUnder("controllers"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.replicationController(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        WorkloadValidation.replicationController(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return WorkloadPrinters.REPLICATION_CONTROLLERS;
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace", "status.replicas");
    }

    @Override
    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> f = super.fields(obj);
        f.put("status.replicas", Integer.toString(obj.path("status").path("replicas").asInt(0)));
        return f;
    }
}
