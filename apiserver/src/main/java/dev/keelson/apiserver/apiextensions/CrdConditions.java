package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The status a CustomResourceDefinition's controllers compute, as Kubernetes' naming and establishing controllers do:
 * the accepted names (each requested name is accepted unless another definition of the same group already accepted
 * it), NamesAccepted (NoConflicts, or PluralConflict, KindConflict, ... with "\"x\" is already in use") and
 * Established (true once the names are accepted; it stays true when later name changes conflict).
 */
public final class CrdConditions {
    private CrdConditions() {}

    /** The new status of {@code crd} given every definition stored ({@code crd} itself among them or not). */
    public static ObjectNode status(ObjectNode crd, List<ObjectNode> all) {
        String group = crd.path("spec").path("group").asText();
        String self = crd.path("metadata").path("name").asText();
        Set<String> resources = new HashSet<>();
        Set<String> kinds = new HashSet<>();
        for (ObjectNode other : all) {
            if (!other.path("spec").path("group").asText().equals(group)
                    || other.path("metadata").path("name").asText().equals(self)) {
                continue;
            }
            JsonNode n = other.path("status").path("acceptedNames");
            addIfSet(resources, n.path("plural").asText(""));
            addIfSet(resources, n.path("singular").asText(""));
            n.path("shortNames").forEach(s -> resources.add(s.asText()));
            addIfSet(kinds, n.path("kind").asText(""));
            addIfSet(kinds, n.path("listKind").asText(""));
        }
        JsonNode requested = crd.path("spec").path("names");
        JsonNode accepted = crd.path("status").path("acceptedNames");
        ObjectNode names = accepted.isObject() ? (ObjectNode) accepted.deepCopy() : Json.MAPPER.createObjectNode();
        String reason = null;
        String message = null;
        for (String[] f : new String[][] {{"plural", "PluralConflict"}, {"singular", "SingularConflict"}}) {
            String conflict = conflict(requested.path(f[0]).asText(""), accepted.path(f[0]).asText(""), resources);
            if (conflict != null) {
                reason = f[1];
                message = conflict;
            } else {
                names.put(f[0], requested.path(f[0]).asText(""));
            }
        }
        if (!requested.path("shortNames").equals(accepted.path("shortNames"))) {
            Set<String> mine = new HashSet<>();
            accepted.path("shortNames").forEach(s -> mine.add(s.asText()));
            List<String> errs = new ArrayList<>();
            for (JsonNode s : requested.path("shortNames")) {
                if (!mine.contains(s.asText())) {
                    String c = conflict(s.asText(), "", resources);
                    if (c != null) {
                        errs.add(c);
                    }
                }
            }
            if (!errs.isEmpty()) {
                reason = "ShortNamesConflict";
                message = errs.size() == 1 ? errs.get(0) : "[" + String.join(", ", errs) + "]";
            } else if (requested.has("shortNames")) {
                names.set("shortNames", requested.get("shortNames").deepCopy());
            } else {
                names.remove("shortNames");
            }
        }
        for (String[] f : new String[][] {{"kind", "KindConflict"}, {"listKind", "ListKindConflict"}}) {
            String conflict = conflict(requested.path(f[0]).asText(""), accepted.path(f[0]).asText(""), kinds);
            if (conflict != null) {
                reason = f[1];
                message = conflict;
            } else {
                names.put(f[0], requested.path(f[0]).asText(""));
            }
        }
        if (requested.has("categories")) {
            names.set("categories", requested.get("categories").deepCopy());
        } else {
            names.remove("categories");
        }
        ObjectNode status = crd.path("status").isObject() ? (ObjectNode) crd.get("status").deepCopy()
                : Json.MAPPER.createObjectNode();
        status.set("acceptedNames", names);
        boolean ok = reason == null;
        setCondition(status, "NamesAccepted", ok ? "True" : "False", ok ? "NoConflicts" : reason,
                ok ? "no conflicts found" : message);
        JsonNode established = condition(status, "Established");
        if (ok && (established == null || !"True".equals(established.path("status").asText()))) {
            setCondition(status, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted");
        } else if (established == null) {
            setCondition(status, "Established", "False", "NotAccepted", "not all names are accepted");
        }
        if (!status.has("storedVersions")) {
            String storage = CrdValidation.storageVersion(crd);
            if (storage != null) {
                status.putArray("storedVersions").add(storage);
            }
        }
        return status;
    }

    private static void addIfSet(Set<String> set, String v) {
        if (!v.isEmpty()) {
            set.add(v);
        }
    }

    private static String conflict(String requested, String accepted, Set<String> used) {
        if (requested.equals(accepted) || !used.contains(requested)) {
            return null;
        }
        return "\"" + requested + "\" is already in use";
    }

    /** Whether the definition is established (its kind is served). */
    public static boolean established(JsonNode crd) {
        JsonNode c = condition(crd.path("status"), "Established");
        return c != null && "True".equals(c.path("status").asText());
    }

    static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return null;
    }

    /** Sets a condition; its lastTransitionTime changes only when its status does. */
    public static void setCondition(ObjectNode status, String type, String value, String reason, String message) {
        ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asText())) {
                ObjectNode o = (ObjectNode) c;
                if (!value.equals(o.path("status").asText())) {
                    o.put("lastTransitionTime", Json.now());
                }
                o.put("status", value);
                o.put("reason", reason);
                o.put("message", message);
                return;
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", value);
        c.put("lastTransitionTime", Json.now());
        c.put("reason", reason);
        c.put("message", message);
    }
}
