package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.ServicePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.EndpointValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.Endpoints;

/** core/v1 Endpoints (kept by the endpoints controller; `kubectl get ep`). */
public final class EndpointsStrategy extends Strategy {
    public EndpointsStrategy() {
        super(Registration.namespaced("v1", "Endpoints", "endpoints", Endpoints.class).shortNames("ep")
                .storedUnder("services/endpoints"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.endpoints(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        EndpointValidation.endpoints(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return ServicePrinters.ENDPOINTS;
    }
}
