package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.RbacPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.RbacValidation;
import io.fabric8.kubernetes.api.model.rbac.Role;

/** rbac.authorization.k8s.io/v1 Roles: a namespace's permissions, granted by RoleBindings. */
public final class RoleStrategy extends RbacStrategy {
    public RoleStrategy() {
        super(Registration.namespaced("rbac.authorization.k8s.io/v1", "Role", "roles", Role.class), false);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        RbacValidation.role(e, obj);
    }

    @Override
    public TablePrinter printer() {
        return RbacPrinters.ROLES;
    }
}
