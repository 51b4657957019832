package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.auth.rbac.EscalationGuard;

/**
 * What the four RBAC kinds share: no generation, and writes checked against privilege escalation once the apiserver
 * has given them its {@link EscalationGuard} (Kubernetes wraps these kinds' storage the same way).
 */
public abstract class RbacStrategy extends Strategy {
    private final boolean binding;
    private volatile EscalationGuard guard;

    RbacStrategy(Registration registration, boolean binding) {
        super(registration);
        this.binding = binding;
    }

    /** Installs the escalation check on the RBAC kinds of {@code resources}. */
    public static void install(Resources resources, EscalationGuard guard) {
        for (ResourceType t : resources.all()) {
            if (t.strategy() instanceof RbacStrategy s) {
                s.guard = guard;
            }
        }
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    public void prepareForCreate(ObjectNode obj, RequestContext context) {
        super.prepareForCreate(obj, context);
        check(obj, null, context);
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj, RequestContext context) {
        super.prepareForUpdate(newObj, oldObj, context);
        check(newObj, oldObj, context);
    }

    private void check(ObjectNode obj, ObjectNode old, RequestContext context) {
        EscalationGuard g = guard;
        if (g == null) {
            return;
        }
        if (binding) {
            g.checkBinding(type().plural(), obj, old, context);
        } else {
            g.checkRole(type().plural(), obj, old, context);
        }
    }
}
