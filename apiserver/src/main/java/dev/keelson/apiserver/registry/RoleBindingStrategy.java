package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.RbacPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.MetaValidation;
import dev.keelson.apiserver.validation.RbacValidation;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;

/**
 * rbac.authorization.k8s.io/v1 RoleBindings: grant a Role or ClusterRole to subjects in one namespace; the roleRef
 * never changes.
 */
public final class RoleBindingStrategy extends RbacStrategy {
    public RoleBindingStrategy() {
        super(Registration
                .namespaced("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", RoleBinding.class), true);
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
        RbacValidation.roleBinding(e, obj);
    }

    @Override
    public TablePrinter printer() {
        return RbacPrinters.BINDINGS;
    }
}
