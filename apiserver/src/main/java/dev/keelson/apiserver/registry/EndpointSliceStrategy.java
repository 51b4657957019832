package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.ServicePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.EndpointValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/** discovery.k8s.io/v1 EndpointSlices (kept by the endpointslice controller, read by the proxy). */
public final class EndpointSliceStrategy extends Strategy {
    public EndpointSliceStrategy() {
        super(Registration.namespaced("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", EndpointSlice.class));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.endpointSlice(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        EndpointValidation.endpointSlice(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        EndpointValidation.endpointSliceUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return ServicePrinters.ENDPOINT_SLICES;
    }
}
