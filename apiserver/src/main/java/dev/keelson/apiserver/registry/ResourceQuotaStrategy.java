package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.PolicyPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.PolicyValidation;
import io.fabric8.kubernetes.api.model.ResourceQuota;

/** core/v1 ResourceQuotas: hard limits per namespace; usage is written through the status subresource. */
public final class ResourceQuotaStrategy extends Strategy {
    public ResourceQuotaStrategy() {
        super(Registration.namespaced("v1", "ResourceQuota", "resourcequotas", ResourceQuota.class)
                .shortNames("quota").subresources("status"));
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        PolicyValidation.resourceQuota(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        PolicyValidation.resourceQuotaUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return PolicyPrinters.RESOURCE_QUOTAS;
    }
}
