package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.WorkloadPrinters;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.WorkloadValidation;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** apps/v1 Deployments: rolled out by the deployment controller; scale and status subresources. */
public final class DeploymentStrategy extends Strategy {
    public DeploymentStrategy() {
        super(Registration.namespaced("apps/v1", "Deployment", "deployments", Deployment.class)
                .shortNames("deploy").categories("all")
                .subresources("status").scale(ScaleSubresource.WORKLOAD));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.deployment(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        WorkloadValidation.deployment(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        super.validateUpdate(e, newObj, oldObj);
        WorkloadValidation.selectorImmutable(e, newObj, oldObj);
    }

    @Override
    public TablePrinter printer() {
        return WorkloadPrinters.DEPLOYMENTS;
    }
}
