package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.RbacPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.MetaValidation;
import dev.keelson.apiserver.validation.RbacValidation;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;

/**
 * rbac.authorization.k8s.io/v1 ClusterRoleBindings: grant a ClusterRole to subjects everywhere; the roleRef never
 * changes.
 */
public final class ClusterRoleBindingStrategy extends RbacStrategy {
    public ClusterRoleBindingStrategy() {
        super(Registration
                .clusterScoped("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", ClusterRoleBinding.class), true);
    }

    @Override
    public void defaults(ObjectNode obj) {
        RbacValidation.bindingDefaults(obj);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        MetaValidation.objectMetaUpdate(e, newObj, oldObj);
        validate(e, newObj);
        RbacValidation.bindingUpdate(e, newObj, oldObj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        RbacValidation.clusterRoleBinding(e, obj);
    }

    @Override
    public TablePrinter printer() {
        return RbacPrinters.BINDINGS;
    }
}
