package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.FieldPath;
import dev.keelson.apiserver.validation.Formats;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Kubernetes' CustomResourceDefinition defaults and validation (apiextensions' SetDefaults and
 * ValidateCustomResourceDefinition for v1): name, group, scope, names, versions with exactly one storage version,
 * per-version structural schemas, subresources and printer columns, plus what may not change on update.
 */
public final class CrdValidation {
    private static final List<String> COLUMN_TYPES = List.of("boolean", "date", "integer", "number", "string");
    private static final List<String> COLUMN_FORMATS = List.of("byte", "date", "date-time", "double", "float", "int32",
            "int64", "password");

    private final List<FieldError> errors = new ArrayList<>();

    private CrdValidation() {}

    /** Kubernetes' v1 defaults: singular and listKind from kind, conversion strategy None. */
    public static void defaults(ObjectNode crd) {
        JsonNode specNode = crd.get("spec");
        if (!(specNode instanceof ObjectNode spec)) {
            return;
        }
        if (spec.get("names") instanceof ObjectNode names) {
            String kind = names.path("kind").asText("");
            if (names.path("singular").asText("").isEmpty() && !kind.isEmpty()) {
                names.put("singular", kind.toLowerCase(Locale.ROOT));
            }
            if (names.path("listKind").asText("").isEmpty() && !kind.isEmpty()) {
                names.put("listKind", kind + "List");
            }
        }
        if (!(spec.get("conversion") instanceof ObjectNode)) {
            spec.putObject("conversion").put("strategy", "None");
        } else if (!spec.get("conversion").has("strategy")) {
            ((ObjectNode) spec.get("conversion")).put("strategy", "None");
        }
        for (JsonNode v : spec.path("versions")) {
            for (JsonNode col : v.path("additionalPrinterColumns")) {
                if (col instanceof ObjectNode c && !c.has("priority")) {
                    c.put("priority", 0);
                }
            }
        }
    }

    public static List<FieldError> validate(ObjectNode crd) {
        CrdValidation v = new CrdValidation();
        v.all(crd);
        return v.errors;
    }

    public static List<FieldError> validateUpdate(ObjectNode crd, ObjectNode old) {
        CrdValidation v = new CrdValidation();
        v.all(crd);
        JsonNode spec = crd.path("spec");
        JsonNode oldSpec = old.path("spec");
        if (!spec.path("group").equals(oldSpec.path("group"))) {
            v.errors.add(GoText.invalid("spec.group", spec.path("group"), "field is immutable"));
        }
        if (!spec.path("scope").equals(oldSpec.path("scope"))) {
            v.errors.add(GoText.invalid("spec.scope", spec.path("scope"), "field is immutable"));
        }
        Set<String> versions = new HashSet<>();
        spec.path("versions").forEach(ver -> versions.add(ver.path("name").asText()));
        JsonNode stored = crd.path("status").path("storedVersions");
        for (int i = 0; i < stored.size(); i++) {
            if (!versions.contains(stored.get(i).asText())) {
                v.errors.add(GoText.invalid("status.storedVersions[" + i + "]", stored.get(i),
                        "must appear in spec.versions"));
            }
        }
        return v.errors;
    }

    private void all(ObjectNode crd) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText("");
        String plural = spec.path("names").path("plural").asText("");
        String name = crd.path("metadata").path("name").asText("");
        if (!name.isEmpty() && !name.equals(plural + "." + group)) {
            errors.add(GoText.invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }
        if (group.isEmpty()) {
            errors.add(GoText.required("spec.group", ""));
        } else if (!Formats.dns1123Subdomain(group).isEmpty()) {
            errors.add(GoText.invalid("spec.group", group, String.join(",", Formats.dns1123Subdomain(group))));
        } else if (!group.contains(".")) {
            errors.add(GoText.invalid("spec.group", group, "should be a domain with at least one dot"));
        }
        String scope = spec.path("scope").asText("");
        if (scope.isEmpty()) {
            errors.add(GoText.required("spec.scope", ""));
        } else if (!scope.equals("Cluster") && !scope.equals("Namespaced")) {
            errors.add(GoText.notSupported("spec.scope", scope, List.of("Cluster", "Namespaced")));
        }
        if (spec.path("preserveUnknownFields").asBoolean(false)) {
            errors.add(GoText.invalid("spec.preserveUnknownFields", true, "cannot set to true, set "
                    + "x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead"));
        }
        versions(spec.path("versions"));
        names(spec.path("names"), "spec.names", true);
        names(crd.path("status").path("acceptedNames"), "status.acceptedNames", false);
        String strategy = spec.path("conversion").path("strategy").asText("None");
        if (!strategy.equals("None")) {
            errors.add(GoText.notSupported("spec.conversion.strategy", strategy, List.of("None")));
        }
    }

    private void versions(JsonNode versions) {
        if (versions.isEmpty()) {
            errors.add(GoText.invalid("spec.versions", "[]", "must have exactly one version marked as storage version"));
            return;
        }
        int storage = 0;
        Set<String> seen = new HashSet<>();
        boolean unique = true;
        for (int i = 0; i < versions.size(); i++) {
            JsonNode v = versions.get(i);
            FieldPath p = FieldPath.of("spec").child("versions").index(i);
            String name = v.path("name").asText("");
            if (v.path("storage").asBoolean(false)) {
                storage++;
            }
            unique &= seen.add(name);
            if (!Formats.dns1035Label(name).isEmpty()) {
                errors.add(GoText.invalid(p.child("name").toString(), name, String.join(",", Formats.dns1035Label(name))));
            }
            JsonNode schema = v.path("schema").path("openAPIV3Schema");
            boolean status = v.path("subresources").has("status");
            if (schema.isMissingNode() || schema.isNull()) {
                errors.add(GoText.required(p.child("schema").child("openAPIV3Schema").toString(), ""));
            } else {
                errors.addAll(StructuralSchema.check(schema, p.child("schema"), status));
            }
            scale(v.path("subresources").path("scale"), p.child("subresources"));
            JsonNode cols = v.path("additionalPrinterColumns");
            for (int c = 0; c < cols.size(); c++) {
                column(cols.get(c), p.child("additionalPrinterColumns").index(c));
            }
            if (!v.path("deprecated").asBoolean(false) && v.has("deprecationWarning")) {
                errors.add(GoText.invalid(p.child("deprecationWarning").toString(), v.get("deprecationWarning"),
                        "can only be set for deprecated versions"));
            }
        }
        String rendered = versions.toString();
        if (!unique) {
            errors.add(new FieldError(FieldError.INVALID, "spec.versions", "Invalid value: " + rendered
                    + ": must contain unique version names"));
        }
        if (storage != 1) {
            errors.add(new FieldError(FieldError.INVALID, "spec.versions", "Invalid value: " + rendered
                    + ": must have exactly one version marked as storage version"));
        }
    }

    private void scale(JsonNode scale, FieldPath p) {
        if (scale.isMissingNode() || scale.isNull()) {
            return;
        }
        String spec = scale.path("specReplicasPath").asText("");
        String status = scale.path("statusReplicasPath").asText("");
        String selector = scale.path("labelSelectorPath").asText("");
        if (spec.isEmpty()) {
            errors.add(GoText.required(p.child("scale.specReplicasPath").toString(), ""));
        } else if (simplePath(spec, p.child("scale.specReplicasPath")) && !spec.startsWith(".spec.")) {
            errors.add(GoText.invalid(p.child("scale.specReplicasPath").toString(), spec, "should be a json path under .spec"));
        }
        if (status.isEmpty()) {
            errors.add(GoText.required(p.child("scale.statusReplicasPath").toString(), ""));
        } else if (simplePath(status, p.child("scale.statusReplicasPath")) && !status.startsWith(".status.")) {
            errors.add(GoText.invalid(p.child("scale.statusReplicasPath").toString(), status,
                    "should be a json path under .status"));
        }
        if (!selector.isEmpty() && simplePath(selector, p.child("scale.labelSelectorPath"))
                && !selector.startsWith(".spec.") && !selector.startsWith(".status.")) {
            errors.add(GoText.invalid(p.child("scale.labelSelectorPath").toString(), selector,
                    "should be a json path under either .spec or .status"));
        }
    }

    private boolean simplePath(String s, FieldPath p) {
        if (s.charAt(0) != '.') {
            errors.add(GoText.invalid(p.toString(), s, "must be a simple json path starting with ."));
            return false;
        }
        return true;
    }

    private void column(JsonNode col, FieldPath p) {
        if (col.path("name").asText("").isEmpty()) {
            errors.add(GoText.required(p.child("name").toString(), ""));
        }
        String type = col.path("type").asText("");
        String types = "must be one of " + String.join(",", COLUMN_TYPES);
        if (type.isEmpty()) {
            errors.add(GoText.required(p.child("type").toString(), types));
        } else if (!COLUMN_TYPES.contains(type)) {
            errors.add(GoText.invalid(p.child("type").toString(), type, types));
        }
        String format = col.path("format").asText("");
        if (!format.isEmpty() && !COLUMN_FORMATS.contains(format)) {
            errors.add(GoText.invalid(p.child("format").toString(), format, "must be one of "
                    + String.join(",", COLUMN_FORMATS)));
        }
        String path = col.path("jsonPath").asText("");
        if (path.isEmpty()) {
            errors.add(GoText.required(p.child("JSONPath").toString(), ""));
        } else {
            simplePath(path, p.child("JSONPath"));
        }
    }

    private void names(JsonNode names, String at, boolean required) {
        FieldPath p = FieldPath.of(at.split("\\."));
        for (String f : List.of("plural", "singular", "kind", "listKind")) {
            String v = names.path(f).asText("");
            if (v.isEmpty()) {
                if (required) {
                    errors.add(GoText.required(p.child(f).toString(), ""));
                }
                continue;
            }
            boolean mixedCase = f.equals("kind") || f.equals("listKind");
            List<String> errs = Formats.dns1035Label(mixedCase ? v.toLowerCase(Locale.ROOT) : v);
            if (!errs.isEmpty()) {
                errors.add(GoText.invalid(p.child(f).toString(), v, (mixedCase ? "may have mixed case, but should "
                        + "otherwise match: " : "") + String.join(",", errs)));
            }
        }
        for (String list : List.of("shortNames", "categories")) {
            JsonNode arr = names.path(list);
            for (int i = 0; i < arr.size(); i++) {
                List<String> errs = Formats.dns1035Label(arr.get(i).asText(""));
                if (!errs.isEmpty()) {
                    errors.add(GoText.invalid(p.child(list).index(i).toString(), arr.get(i), String.join(",", errs)));
                }
            }
        }
        String kind = names.path("kind").asText("");
        if (!kind.isEmpty() && kind.equals(names.path("listKind").asText(""))) {
            errors.add(GoText.invalid(p.child("listKind").toString(), kind, "kind and listKind may not be the same"));
        }
    }

    /** The storage version's name, or null when the definition has none (validation refuses that). */
    public static String storageVersion(JsonNode crd) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("storage").asBoolean(false)) {
                return v.path("name").asText();
            }
        }
        return null;
    }

    /** Served version names, in the order the definition lists them. */
    public static List<String> servedVersions(JsonNode crd) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("served").asBoolean(false)) {
                out.add(v.path("name").asText());
            }
        }
        return out;
    }

    static ArrayNode copy(JsonNode arr) {
        return arr.isArray() ? (ArrayNode) arr.deepCopy() : dev.keelson.apiserver.Json.MAPPER.createArrayNode();
    }
}
