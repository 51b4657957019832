package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.RbacPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.RbacValidation;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;

/**
 * rbac.authorization.k8s.io/v1 ClusterRoles: cluster-wide permissions; an aggregationRule makes the aggregation
 * controller fill the rules from the ClusterRoles its selectors match.
 */
public final class ClusterRoleStrategy extends RbacStrategy {
    public ClusterRoleStrategy() {
        super(Registration
                .clusterScoped("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", ClusterRole.class), false);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        RbacValidation.clusterRole(e, obj);
    }

    @Override
    public TablePrinter printer() {
        return RbacPrinters.ROLES;
    }
}
