package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * rbac.authorization.k8s.io/v1 Roles, ClusterRoles, RoleBindings and ClusterRoleBindings as Kubernetes'
 * pkg/apis/rbac/validation checks them: names are path segments, every rule has verbs and either resources with API
 * groups or (cluster roles only) non-resource URLs, a binding's roleRef names a role of this group and never changes,
 * subjects are users, groups or service accounts.
 */
public final class RbacValidation {
    public static final String GROUP = "rbac.authorization.k8s.io";

    private RbacValidation() {
    }

    /** Kubernetes' ValidateRBACName (path.IsValidPathSegmentName): a name usable as one URL path segment. */
    static List<String> pathSegmentName(String name, boolean prefix) {
        if (name.equals(".") || name.equals("..")) {
            return List.of("may not be '" + name + "'");
        }
        List<String> out = new ArrayList<>();
        if (name.contains("/")) {
            out.add("may not contain '/'");
        }
        if (name.contains("%")) {
            out.add("may not contain '%'");
        }
        return out;
    }

    public static void role(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, true, RbacValidation::pathSegmentName);
        rules(e, obj, true);
    }

    public static void clusterRole(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, false, RbacValidation::pathSegmentName);
        rules(e, obj, false);
        JsonNode rule = obj.get("aggregationRule");
        if (rule != null && !rule.isNull()) {
            FieldPath p = FieldPath.of("aggregationRule", "clusterRoleSelectors");
            ObjectNode agg = e.object(obj, "aggregationRule", FieldPath.of("aggregationRule"));
            List<ObjectNode> selectors = e.objects(agg, "clusterRoleSelectors", p);
            if (selectors.isEmpty()) {
                e.required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil");
            }
            for (int i = 0; i < selectors.size(); i++) {
                MetaValidation.labelSelector(e, selectors.get(i), p.index(i));
            }
        }
    }

    private static void rules(Errs e, ObjectNode obj, boolean namespaced) {
        List<ObjectNode> rules = e.objects(obj, "rules", FieldPath.of("rules"));
        for (int i = 0; i < rules.size(); i++) {
            policyRule(e, rules.get(i), namespaced, FieldPath.of("rules").index(i));
        }
    }

    /** Kubernetes' ValidatePolicyRule. */
    static void policyRule(Errs e, ObjectNode rule, boolean namespaced, FieldPath p) {
        List<String> verbs = e.strings(rule, "verbs", p.child("verbs"));
        List<String> urls = e.strings(rule, "nonResourceURLs", p.child("nonResourceURLs"));
        List<String> groups = e.strings(rule, "apiGroups", p.child("apiGroups"));
        List<String> resources = e.strings(rule, "resources", p.child("resources"));
        List<String> names = e.strings(rule, "resourceNames", p.child("resourceNames"));
        if (verbs.isEmpty()) {
            e.required(p.child("verbs"), "verbs must contain at least one value");
        }
        if (!urls.isEmpty()) {
            if (namespaced) {
                e.invalid(p.child("nonResourceURLs"), urls, "namespaced rules cannot apply to non-resource URLs");
            }
            if (!groups.isEmpty() || !resources.isEmpty() || !names.isEmpty()) {
                e.invalid(p.child("nonResourceURLs"), urls,
                        "rules cannot apply to both regular resources and non-resource URLs");
            }
            return;
        }
        if (groups.isEmpty()) {
            e.required(p.child("apiGroups"), "resource rules must supply at least one api group");
        }
        if (resources.isEmpty()) {
            e.required(p.child("resources"), "resource rules must supply at least one resource");
        }
    }

    public static void roleBinding(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, true, RbacValidation::pathSegmentName);
        binding(e, obj, true);
    }

    public static void clusterRoleBinding(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, false, RbacValidation::pathSegmentName);
        binding(e, obj, false);
    }

    private static void binding(Errs e, ObjectNode obj, boolean namespaced) {
        FieldPath rp = FieldPath.of("roleRef");
        ObjectNode ref = e.object(obj, "roleRef", rp);
        String group = e.text(ref, "apiGroup", rp.child("apiGroup"));
        if (!group.equals(GROUP)) {
            e.notSupported(rp.child("apiGroup"), group, List.of(GROUP));
        }
        String kind = e.text(ref, "kind", rp.child("kind"));
        if (namespaced && !kind.equals("Role") && !kind.equals("ClusterRole")) {
            e.notSupported(rp.child("kind"), kind, List.of("Role", "ClusterRole"));
        } else if (!namespaced && !kind.equals("ClusterRole")) {
            e.notSupported(rp.child("kind"), kind, List.of("ClusterRole"));
        }
        String name = e.text(ref, "name", rp.child("name"));
        if (name.isEmpty()) {
            e.required(rp.child("name"), "");
        } else {
            e.invalidEach(rp.child("name"), name, pathSegmentName(name, false));
        }
        List<ObjectNode> subjects = e.objects(obj, "subjects", FieldPath.of("subjects"));
        for (int i = 0; i < subjects.size(); i++) {
            subject(e, subjects.get(i), namespaced, FieldPath.of("subjects").index(i));
        }
    }

    /** Kubernetes' ValidateRoleBindingSubject. */
    static void subject(Errs e, ObjectNode s, boolean namespaced, FieldPath p) {
        String name = e.text(s, "name", p.child("name"));
        String kind = e.text(s, "kind", p.child("kind"));
        String group = e.text(s, "apiGroup", p.child("apiGroup"));
        if (name.isEmpty()) {
            e.required(p.child("name"), "");
        }
        switch (kind) {
            case "ServiceAccount" -> {
                if (!name.isEmpty()) {
                    e.invalidEach(p.child("name"), name, Formats.nameIsDnsSubdomain(name, false));
                }
                if (!group.isEmpty()) {
                    e.notSupported(p.child("apiGroup"), group, List.of(""));
                }
                if (!namespaced && e.text(s, "namespace", p.child("namespace")).isEmpty()) {
                    e.required(p.child("namespace"), "");
                }
            }
            case "User", "Group" -> {
                if (!group.equals(GROUP)) {
                    e.notSupported(p.child("apiGroup"), group, List.of(GROUP));
                }
            }
            default -> e.notSupported(p.child("kind"), kind, List.of("ServiceAccount", "User", "Group"));
        }
    }

    /** A binding's roleRef may not change (Kubernetes' ValidateRoleBindingUpdate). */
    public static void bindingUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        JsonNode n = newObj.path("roleRef");
        JsonNode o = oldObj.path("roleRef");
        if (!n.path("apiGroup").asText("").equals(o.path("apiGroup").asText(""))
                || !n.path("kind").asText("").equals(o.path("kind").asText(""))
                || !n.path("name").asText("").equals(o.path("name").asText(""))) {
            e.invalid(FieldPath.of("roleRef"), new GoValues.Literal("rbac.RoleRef{APIGroup:"
                    + GoValues.quote(n.path("apiGroup").asText("")) + ", Kind:" + GoValues.quote(n.path("kind").asText(""))
                    + ", Name:" + GoValues.quote(n.path("name").asText("")) + "}"), "cannot change roleRef");
        }
    }

    /** Kubernetes' v1 defaults: roleRef.apiGroup and the apiGroup of User and Group subjects. */
    public static void bindingDefaults(ObjectNode obj) {
        if (obj.get("roleRef") instanceof ObjectNode ref && ref.path("apiGroup").asText("").isEmpty()) {
            ref.put("apiGroup", GROUP);
        }
        for (JsonNode s : obj.path("subjects")) {
            if (s instanceof ObjectNode subject && subject.path("apiGroup").asText("").isEmpty()) {
                String kind = subject.path("kind").asText("");
                if (kind.equals("User") || kind.equals("Group")) {
                    subject.put("apiGroup", GROUP);
                }
            }
        }
    }
}
