package dev.keelson.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.auth.Attributes;
import java.util.ArrayList;
import java.util.List;

/**
 * One rbac/v1 PolicyRule, read once from its JSON: what a request must match (Kubernetes' RuleAllows: verb, API
 * group, resource or {@code *}/subresource, resource name; or verb and non-resource URL with a trailing {@code *}
 * prefix match) and, for escalation checks, whether it covers another rule (rbac/validation's ruleCovers).
 */
public record PolicyRule(List<String> verbs, List<String> apiGroups, List<String> resources,
                         List<String> resourceNames, List<String> nonResourceURLs) {
    public static final String ALL = "*";

    public PolicyRule {
        verbs = List.copyOf(verbs);
        apiGroups = List.copyOf(apiGroups);
        resources = List.copyOf(resources);
        resourceNames = List.copyOf(resourceNames);
        nonResourceURLs = List.copyOf(nonResourceURLs);
    }

    public static PolicyRule of(JsonNode rule) {
        return new PolicyRule(strings(rule, "verbs"), strings(rule, "apiGroups"), strings(rule, "resources"),
                strings(rule, "resourceNames"), strings(rule, "nonResourceURLs"));
    }

    /** The rules of a Role or ClusterRole object. */
    public static List<PolicyRule> ofRole(JsonNode role) {
        List<PolicyRule> out = new ArrayList<>();
        for (JsonNode r : role.path("rules")) {
            out.add(of(r));
        }
        return List.copyOf(out);
    }

    private static List<String> strings(JsonNode rule, String field) {
        JsonNode a = rule.path(field);
        if (!a.isArray() || a.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(a.size());
        a.forEach(v -> out.add(v.asText()));
        return out;
    }

    /** The rule as rbac/v1 JSON (empty lists left out, as Go's omitempty does). */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        put(o, "verbs", verbs, true);
        put(o, "apiGroups", apiGroups, false);
        put(o, "resources", resources, false);
        put(o, "resourceNames", resourceNames, false);
        put(o, "nonResourceURLs", nonResourceURLs, false);
        return o;
    }

    private static void put(ObjectNode o, String field, List<String> values, boolean always) {
        if (always || !values.isEmpty()) {
            ArrayNode a = o.putArray(field);
            values.forEach(a::add);
        }
    }

    /** Kubernetes' RuleAllows. */
    public boolean allows(Attributes a) {
        if (!has(verbs, a.verb())) {
            return false;
        }
        if (!a.resourceRequest()) {
            return urlMatches(a.path());
        }
        return has(apiGroups, a.apiGroup()) && resourceMatches(a.resource(), a.subresource())
                && (resourceNames.isEmpty() || resourceNames.contains(a.name()));
    }

    private static boolean has(List<String> values, String value) {
        for (String v : values) {
            if (v.equals(ALL) || v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private boolean resourceMatches(String resource, String subresource) {
        boolean sub = subresource != null && !subresource.isEmpty();
        String combined = sub ? resource + "/" + subresource : resource;
        for (String r : resources) {
            if (r.equals(ALL) || r.equals(combined)) {
                return true;
            }
            if (sub && r.length() > 2 && r.startsWith("*/") && r.regionMatches(2, subresource, 0, subresource.length())
                    && r.length() == subresource.length() + 2) {
                return true;
            }
        }
        return false;
    }

    private boolean urlMatches(String path) {
        for (String u : nonResourceURLs) {
            if (u.equals(ALL) || u.equals(path)
                    || u.endsWith("*") && path != null && path.startsWith(u.substring(0, u.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /** rbac/validation's BreakdownRule: one rule per group, resource, name and verb (or per URL and verb). */
    public List<PolicyRule> breakdown() {
        List<PolicyRule> out = new ArrayList<>();
        for (String g : apiGroups) {
            for (String r : resources) {
                for (String v : verbs) {
                    if (resourceNames.isEmpty()) {
                        out.add(new PolicyRule(List.of(v), List.of(g), List.of(r), List.of(), List.of()));
                    } else {
                        for (String n : resourceNames) {
                            out.add(new PolicyRule(List.of(v), List.of(g), List.of(r), List.of(n), List.of()));
                        }
                    }
                }
            }
        }
        for (String u : nonResourceURLs) {
            for (String v : verbs) {
                out.add(new PolicyRule(List.of(v), List.of(), List.of(), List.of(), List.of(u)));
            }
        }
        return out;
    }

    /** rbac/validation's ruleCovers: whether this (owner) rule grants everything {@code sub} grants. */
    public boolean covers(PolicyRule sub) {
        boolean verbsOk = verbs.contains(ALL) || verbs.containsAll(sub.verbs);
        boolean groupsOk = apiGroups.contains(ALL) || apiGroups.containsAll(sub.apiGroups);
        boolean resourcesOk = resourcesCover(sub.resources);
        boolean urlsOk = urlsCover(sub.nonResourceURLs);
        boolean namesOk = sub.resourceNames.isEmpty() ? resourceNames.isEmpty()
                : resourceNames.isEmpty() || resourceNames.containsAll(sub.resourceNames);
        return verbsOk && groupsOk && resourcesOk && namesOk && urlsOk;
    }

    private boolean resourcesCover(List<String> wanted) {
        if (resources.contains(ALL) || resources.containsAll(wanted)) {
            return true;
        }
        for (String w : wanted) {
            if (resources.contains(w)) {
                continue;
            }
            int slash = w.indexOf('/');
            if (slash < 0 || !resources.contains("*/" + w.substring(slash + 1))) {
                return false;
            }
        }
        return true;
    }

    private boolean urlsCover(List<String> wanted) {
        for (String w : wanted) {
            if (!urlMatches(w)) {
                return false;
            }
        }
        return true;
    }

    /** rbacv1helpers.CompactString, as escalation messages print a missing rule. */
    public String compactString() {
        List<String> parts = new ArrayList<>();
        if (!apiGroups.isEmpty()) {
            parts.add("APIGroups:" + quoted(apiGroups));
        }
        if (!resources.isEmpty()) {
            parts.add("Resources:" + quoted(resources));
        }
        if (!nonResourceURLs.isEmpty()) {
            parts.add("NonResourceURLs:" + quoted(nonResourceURLs));
        }
        if (!resourceNames.isEmpty()) {
            parts.add("ResourceNames:" + quoted(resourceNames));
        }
        if (!verbs.isEmpty()) {
            parts.add("Verbs:" + quoted(verbs));
        }
        return "{" + String.join(", ", parts) + "}";
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    public static String quoted(List<String> values) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(' ');
            }
            b.append(Json.MAPPER.getNodeFactory().textNode(values.get(i)).toString());
        }
        return b.append(']').toString();
    }
}
