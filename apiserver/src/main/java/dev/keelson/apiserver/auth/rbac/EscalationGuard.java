package dev.keelson.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.Authorizer;
import dev.keelson.apiserver.auth.AuthorizerChain;
import dev.keelson.apiserver.auth.Decision;
import java.util.List;

/**
 * Kubernetes' policy-based RBAC storage (pkg/registry/rbac/.../policybased): a Role or ClusterRole may be written only
 * by a user allowed to {@code escalate} it or who holds every rule it grants (an aggregationRule needs every right);
 * a binding only by a user allowed to {@code bind} its role or who holds every rule of that role. Members of
 * system:masters and the apiserver's own writes (no request context) pass, as do updates that change only what the
 * garbage collector changes (owner references, finalizers).
 */
public final class EscalationGuard {
    private static final List<PolicyRule> FULL_AUTHORITY = List.of(
            new PolicyRule(List.of("*"), List.of("*"), List.of("*"), List.of(), List.of()),
            new PolicyRule(List.of("*"), List.of(), List.of(), List.of(), List.of("*")));
    private static final String GROUP = "rbac.authorization.k8s.io";

    private final RbacIndex index;
    private final Authorizer authorizer;

    public EscalationGuard(RbacIndex index, Authorizer authorizer) {
        this.index = index;
        this.authorizer = authorizer;
    }

    private static boolean exempt(RequestContext context) {
        return context == null || context.user() == null
                || context.user().groups().contains(AuthorizerChain.PRIVILEGED_GROUP);
    }

    /** Checks a Role ({@code namespace} set) or ClusterRole write; {@code old} is null on create. */
    public void checkRole(String resource, ObjectNode obj, ObjectNode old, RequestContext context) {
        if (exempt(context) || old != null && onlyGcFields(obj, old)) {
            return;
        }
        Authenticator.User user = context.user();
        String namespace = meta(obj, "namespace");
        String name = meta(obj, "name");
        if (allowed(user, "escalate", resource, namespace, old == null ? "" : name)) {
            return;
        }
        String msg = Escalation.confirmNoEscalation(index, user, namespace, PolicyRule.ofRole(obj));
        if (msg != null) {
            throw ApiException.forbidden(GROUP, resource, name, msg);
        }
        JsonNode agg = obj.get("aggregationRule");
        if (agg != null && !agg.isNull() && Escalation.confirmNoEscalation(index, user, namespace, FULL_AUTHORITY)
                != null) {
            throw ApiException.forbidden(GROUP, resource, name,
                    "must have cluster-admin privileges to use the aggregationRule");
        }
    }

    /** Checks a RoleBinding ({@code namespace} set) or ClusterRoleBinding write; {@code old} is null on create. */
    public void checkBinding(String resource, ObjectNode obj, ObjectNode old, RequestContext context) {
        if (exempt(context) || old != null && onlyGcFields(obj, old)) {
            return;
        }
        Authenticator.User user = context.user();
        String namespace = meta(obj, "namespace");
        JsonNode ref = obj.path("roleRef");
        String kind = ref.path("kind").asText("");
        String roleName = ref.path("name").asText("");
        String roles = "ClusterRole".equals(kind) ? "clusterroles" : "roles";
        if (allowed(user, "bind", roles, namespace, roleName)) {
            return;
        }
        List<PolicyRule> rules = index.roleRules(kind, roleName, namespace);
        if (rules == null) {
            throw ApiException.notFound(GROUP, roles, roleName);
        }
        String msg = Escalation.confirmNoEscalation(index, user, namespace, rules);
        if (msg != null) {
            throw ApiException.forbidden(GROUP, resource, meta(obj, "name"), msg);
        }
    }

    private boolean allowed(Authenticator.User user, String verb, String resource, String namespace, String name) {
        return authorizer.authorize(Attributes.resource(user, verb, GROUP, "v1", resource, "", namespace, name))
                .kind() == Decision.Kind.ALLOW;
    }

    private static String meta(JsonNode o, String field) {
        return o.path("metadata").path(field).asText("");
    }

    /** IsOnlyMutatingGCFields: equal once owner references, finalizers and bookkeeping are set aside. */
    static boolean onlyGcFields(ObjectNode obj, ObjectNode old) {
        return strip(obj).equals(strip(old));
    }

    private static ObjectNode strip(ObjectNode o) {
        ObjectNode copy = o.deepCopy();
        if (copy.get("metadata") instanceof ObjectNode m) {
            for (String f : List.of("ownerReferences", "finalizers", "resourceVersion", "managedFields",
                    "generation")) {
                m.remove(f);
            }
        }
        return copy;
    }
}
