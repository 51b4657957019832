package dev.keelson.apiserver.auth.rbac;

import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authorizer;
import dev.keelson.apiserver.auth.Decision;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The {@code RBAC} authorization mode, as Kubernetes' RBACAuthorizer: allows a request when a rule of a role bound to
 * the user or one of its groups allows it, and otherwise has no opinion (it never denies), naming in its reason the
 * roles that bindings refer to but that do not exist ("RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found").
 */
public final class RbacAuthorizer implements Authorizer {
    private final RbacIndex index;

    public RbacAuthorizer(RbacIndex index) {
        this.index = index;
    }

    @Override
    public Decision authorize(Attributes a) {
        if (a.user() == null) {
            return Decision.NO_OPINION;
        }
        Walk walk = new Walk(a);
        index.visitRulesFor(a.user(), a.resourceRequest() ? a.namespace() : "", walk);
        if (walk.allowed) {
            return Decision.ALLOW;
        }
        return walk.errors == null ? Decision.NO_OPINION : Decision.noOpinion("RBAC: " + aggregate(walk.errors));
    }

    /** utilerrors.NewAggregate's message: one error as it is, several as {@code [a, b]}, repeats dropped. */
    static String aggregate(List<String> errors) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(errors));
        return distinct.size() == 1 ? distinct.get(0) : "[" + String.join(", ", distinct) + "]";
    }

    private static final class Walk implements RbacIndex.RuleVisitor {
        final Attributes attributes;
        boolean allowed;
        List<String> errors;

        Walk(Attributes attributes) {
            this.attributes = attributes;
        }

        @Override
        public boolean visit(PolicyRule rule, String error) {
            if (rule == null) {
                if (errors == null) {
                    errors = new ArrayList<>(2);
                }
                errors.add(error);
                return true;
            }
            if (rule.allows(attributes)) {
                allowed = true;
                return false;
            }
            return true;
        }
    }
}
