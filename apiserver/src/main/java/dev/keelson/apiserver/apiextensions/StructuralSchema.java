package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.FieldPath;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * Checks a CRD version's {@code openAPIV3Schema} as kube-apiserver does before it accepts a definition: the OpenAPI
 * subset CRDs may use (ValidateCustomResourceDefinitionOpenAPISchema), the structural-schema rules (every field
 * specified with a type outside anyOf/allOf/oneOf/not, metadata restricted to name and generateName, int-or-string and
 * embedded-resource shapes), and defaults that validate and survive pruning. Error paths and texts are Kubernetes'.
 */
public final class StructuralSchema {
    private static final List<String> TYPES = List.of("array", "boolean", "integer", "number", "object", "string");
    private static final Set<String> META = Set.of("metadata", "kind", "apiVersion");
    private static final Set<String> ROOT_WITH_STATUS = Set.of("description", "type", "format", "title", "maximum",
            "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems",
            "minItems", "uniqueItems", "multipleOf", "required", "items", "properties", "externalDocs", "example",
            "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations");
    private static final String ROOT_WITH_STATUS_TEXT = "[Description Type Format Title Maximum ExclusiveMaximum "
            + "Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required "
            + "Items Properties ExternalDocs Example XPreserveUnknownFields XValidations]";
    private static final Set<String> NESTED_FORBIDDEN_EXTENSIONS = Set.of("x-kubernetes-preserve-unknown-fields",
            "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys",
            "x-kubernetes-list-type", "x-kubernetes-map-type", "x-kubernetes-validations");

    private enum Level { ROOT, ITEM, FIELD }

    private final List<FieldError> errors = new ArrayList<>();

    private StructuralSchema() {}

    /**
     * All errors of one version's schema; {@code schemaPath} is the path of its {@code schema} field
     * ({@code spec.versions[0].schema}).
     */
    public static List<FieldError> check(JsonNode schema, FieldPath schemaPath, boolean statusEnabled) {
        StructuralSchema c = new StructuralSchema();
        FieldPath path = schemaPath.child("openAPIV3Schema");
        if (schema == null || schema.isNull() || schema.isMissingNode()) {
            c.errors.add(GoText.required(path.toString(), ""));
            return c.errors;
        }
        if (!schema.isObject()) {
            c.errors.add(GoText.invalid(path.toString(), schema, "must be an object"));
            return c.errors;
        }
        if (statusEnabled) {
            c.rootWithStatus(schema, schemaPath);
        }
        if (schema.path("nullable").asBoolean(false)) {
            c.errors.add(GoText.forbidden(schemaPath.child("openAPIV3Schema.nullable").toString(),
                    "nullable cannot be true at the root"));
        }
        List<FieldError> structural = new ArrayList<>();
        StructuralSchema s = new StructuralSchema();
        s.invariants(schema, Level.ROOT, path);
        s.completeness(schema, schema, path, path);
        s.errors.sort(Comparator.comparing(FieldError::describe));
        structural.addAll(s.errors);
        c.errors.addAll(structural);
        if (structural.isEmpty()) {
            c.defaults(schema, path, true);
        }
        c.openApi(schema, path, new Ctx(true, "", false), true);
        return c.errors;
    }

    private record Ctx(boolean allowDefaults, String noDefaultsReason, boolean insideMeta) {
        Ctx forbidDefaults(String reason) {
            return new Ctx(false, reason, insideMeta);
        }

        Ctx meta() {
            return new Ctx(allowDefaults, noDefaultsReason, true);
        }
    }

    private void rootWithStatus(JsonNode schema, FieldPath schemaPath) {
        var it = schema.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (isZero(e.getValue())) {
                continue;
            }
            if (e.getKey().equals("type")) {
                if (!"object".equals(e.getValue().asText())) {
                    errors.add(GoText.invalid(schemaPath.child("openAPIV3Schema.type").toString(), e.getValue(),
                            "only \"object\" is allowed as the type at the root of the schema if the status "
                                    + "subresource is enabled"));
                    return;
                }
                continue;
            }
            if (!ROOT_WITH_STATUS.contains(e.getKey())) {
                errors.add(GoText.invalid(schemaPath.child("openAPIV3Schema").toString(), schema.toString(), "only "
                        + ROOT_WITH_STATUS_TEXT + " fields are allowed at the root of the schema if the status "
                        + "subresource is enabled"));
                return;
            }
        }
    }

    private static boolean isZero(JsonNode v) {
        return v.isNull() || v.isBoolean() && !v.booleanValue() || v.isTextual() && v.textValue().isEmpty()
                || v.isContainerNode() && v.isEmpty();
    }

    // ---------------------------------------------------------------- OpenAPI subset

    private void openApi(JsonNode s, FieldPath p, Ctx ctx, boolean root) {
        if (s == null || !s.isObject()) {
            return;
        }
        String type = s.path("type").asText("");
        if (!type.isEmpty() && !TYPES.contains(type)) {
            errors.add(GoText.notSupported(p.child("type").toString(), type, TYPES));
        }
        if (s.has("default") && !ctx.allowDefaults) {
            errors.add(GoText.forbidden(p.child("default").toString(),
                    "must not be set" + (ctx.noDefaultsReason.isEmpty() ? "" : " " + ctx.noDefaultsReason)));
        }
        forbidIf(s.has("id"), p.child("id"), "id is not supported");
        forbidIf(s.has("additionalItems"), p.child("additionalItems"), "additionalItems is not supported");
        forbidIf(s.has("patternProperties"), p.child("patternProperties"), "patternProperties is not supported");
        forbidIf(s.has("definitions"), p.child("definitions"), "definitions is not supported");
        forbidIf(s.has("dependencies"), p.child("dependencies"), "dependencies is not supported");
        forbidIf(s.has("$ref"), p.child("$ref"), "$ref is not supported");
        forbidIf(type.equals("null"), p.child("type"), "type cannot be set to null, use nullable as an alternative");
        forbidIf(s.path("items").isArray(), p.child("items"), "items must be a schema object and not an array");
        forbidIf(ctx.insideMeta && s.path("x-kubernetes-embedded-resource").asBoolean(false),
                p.child("x-kubernetes-embedded-resource"), "must not be used inside of resource meta");
        forbidIf(s.path("uniqueItems").asBoolean(false), p.child("uniqueItems"),
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
        JsonNode ap = s.get("additionalProperties");
        JsonNode props = s.path("properties");
        if (ap != null) {
            if (props.size() > 0 && (ap.isObject() || ap.isBoolean() && !ap.booleanValue())) {
                errors.add(GoText.forbidden(p.child("additionalProperties").toString(),
                        "additionalProperties and properties are mutual exclusive"));
            }
            openApi(ap, p.child("additionalProperties"), ctx.insideMeta
                    ? ctx.forbidDefaults("inside additionalProperties applying to object metadata") : ctx, false);
        }
        boolean embedded = s.path("x-kubernetes-embedded-resource").asBoolean(false);
        props.fields().forEachRemaining(e -> {
            Ctx sub = ctx;
            if ((root || embedded) && META.contains(e.getKey())) {
                sub = sub.meta();
                if (root) {
                    sub = sub.forbidDefaults("in top-level " + e.getKey());
                }
            }
            openApi(e.getValue(), p.child("properties").key(e.getKey()), sub, false);
        });
        openApi(s.get("not"), p.child("not"), ctx, false);
        for (String junctor : List.of("allOf", "oneOf", "anyOf")) {
            JsonNode arr = s.path(junctor);
            for (int i = 0; i < arr.size(); i++) {
                openApi(arr.get(i), p.child(junctor).index(i), ctx, false);
            }
        }
        if (s.path("items").isObject()) {
            openApi(s.get("items"), p.child("items"), ctx, false);
        }
        JsonNode preserve = s.get("x-kubernetes-preserve-unknown-fields");
        if (preserve != null && preserve.isBoolean() && !preserve.booleanValue()) {
            errors.add(GoText.invalid(p.child("x-kubernetes-preserve-unknown-fields").toString(), false,
                    "must be true or undefined"));
        }
        extensions(s, p, type);
    }

    private void forbidIf(boolean condition, FieldPath p, String detail) {
        if (condition) {
            errors.add(GoText.forbidden(p.toString(), detail));
        }
    }

    private void extensions(JsonNode s, FieldPath p, String type) {
        String mapType = s.has("x-kubernetes-map-type") ? s.get("x-kubernetes-map-type").asText() : null;
        String listType = s.has("x-kubernetes-list-type") ? s.get("x-kubernetes-list-type").asText() : null;
        List<String> keys = new ArrayList<>();
        s.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
        JsonNode items = s.get("items");
        if (mapType != null && !type.equals("object")) {
            errors.add(type.isEmpty()
                    ? GoText.required(p.child("type").toString(), "must be object if x-kubernetes-map-type is specified")
                    : GoText.invalid(p.child("type").toString(), type,
                            "must be object if x-kubernetes-map-type is specified"));
        }
        if (mapType != null && !mapType.equals("atomic") && !mapType.equals("granular")) {
            errors.add(GoText.notSupported(p.child("x-kubernetes-map-type").toString(), mapType,
                    List.of("atomic", "granular")));
        }
        if (listType != null && !type.equals("array")) {
            errors.add(type.isEmpty()
                    ? GoText.required(p.child("type").toString(), "must be array if x-kubernetes-list-type is specified")
                    : GoText.invalid(p.child("type").toString(), type,
                            "must be array if x-kubernetes-list-type is specified"));
        } else if ("set".equals(listType) && items != null && items.isObject()) {
            String itemType = items.path("type").asText("");
            if (itemType.equals("array") && items.has("x-kubernetes-list-type")
                    && !"atomic".equals(items.get("x-kubernetes-list-type").asText())) {
                errors.add(GoText.invalid(p.child("items").child("x-kubernetes-list-type").toString(),
                        items.get("x-kubernetes-list-type"), "must be atomic as item of a list with x-kubernetes-list-type=set"));
            } else if (itemType.equals("object") && !"atomic".equals(items.path("x-kubernetes-map-type").asText(""))) {
                errors.add(GoText.invalid(p.child("items").child("x-kubernetes-map-type").toString(), listType,
                        "must be atomic as item of a list with x-kubernetes-list-type=set"));
            }
        }
        if (listType != null && !List.of("atomic", "set", "map").contains(listType)) {
            errors.add(GoText.notSupported(p.child("x-kubernetes-list-type").toString(), listType,
                    List.of("atomic", "set", "map")));
        }
        if (!keys.isEmpty()) {
            if (listType == null) {
                errors.add(GoText.required(p.child("x-kubernetes-list-type").toString(),
                        "must be map if x-kubernetes-list-map-keys is non-empty"));
            } else if (!listType.equals("map")) {
                errors.add(GoText.invalid(p.child("x-kubernetes-list-type").toString(), listType,
                        "must be map if x-kubernetes-list-map-keys is non-empty"));
            }
        }
        if ("map".equals(listType)) {
            listMap(s, p, keys, items);
        }
        if (("set".equals(listType) || "map".equals(listType)) && items != null && items.isObject()) {
            if (items.path("nullable").asBoolean(false)) {
                errors.add(GoText.forbidden(p.child("items").child("nullable").toString(),
                        "cannot be nullable when x-kubernetes-list-type is " + listType));
            }
            if ("map".equals(listType)) {
                Set<String> required = new HashSet<>();
                items.path("required").forEach(r -> required.add(r.asText()));
                for (String k : keys) {
                    JsonNode prop = items.path("properties").get(k);
                    if (prop == null) {
                        continue;
                    }
                    if (!required.contains(k) && !prop.has("default")) {
                        errors.add(GoText.required(p.child("items").child("properties").key(k).child("default")
                                .toString(), "this property is in x-kubernetes-list-map-keys, so it must have a default "
                                + "or be a required property"));
                    }
                    if (prop.path("nullable").asBoolean(false)) {
                        errors.add(GoText.forbidden(p.child("items").child("properties").key(k).child("nullable")
                                .toString(), "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"));
                    }
                }
            }
        }
    }

    private void listMap(JsonNode s, FieldPath p, List<String> keys, JsonNode items) {
        if (keys.isEmpty()) {
            errors.add(GoText.required(p.child("x-kubernetes-list-map-keys").toString(),
                    "must not be empty if x-kubernetes-list-type is map"));
        }
        if (items == null) {
            errors.add(GoText.required(p.child("items").toString(), "must have a schema if x-kubernetes-list-type is map"));
            return;
        }
        if (!items.isObject()) {
            errors.add(GoText.invalid(p.child("items").toString(), items,
                    "must only have a single schema if x-kubernetes-list-type is map"));
            return;
        }
        String itemType = items.path("type").asText("");
        if (!itemType.equals("object")) {
            errors.add(GoText.invalid(p.child("items").child("type").toString(), itemType,
                    "must be object if parent array's x-kubernetes-list-type is map"));
            return;
        }
        Set<String> seen = new HashSet<>();
        String keysText = GoText.render(s.get("x-kubernetes-list-map-keys")).replace("[]interface {}", "[]string");
        for (String k : keys) {
            JsonNode prop = items.path("properties").get(k);
            if (prop == null) {
                errors.add(new FieldError(FieldError.INVALID, p.child("x-kubernetes-list-map-keys").toString(),
                        "Invalid value: " + keysText + ": entries must all be names of item properties"));
            } else {
                String t = prop.path("type").asText("");
                if (t.equals("array") || t.equals("object")) {
                    errors.add(GoText.invalid(p.child("items").child("properties").key(k).child("type").toString(),
                            itemType, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
                }
            }
            if (!seen.add(k)) {
                errors.add(new FieldError(FieldError.INVALID, p.child("x-kubernetes-list-map-keys").toString(),
                        "Invalid value: " + keysText + ": must not contain duplicate entries"));
            }
        }
    }

    // ---------------------------------------------------------------- structural invariants

    private void invariants(JsonNode s, Level lvl, FieldPath p) {
        if (s == null || !s.isObject()) {
            return;
        }
        String type = s.path("type").asText("");
        boolean intOrString = s.path("x-kubernetes-int-or-string").asBoolean(false);
        boolean preserve = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        boolean embedded = s.path("x-kubernetes-embedded-resource").asBoolean(false);
        JsonNode items = s.get("items");
        if (type.equals("array") && (items == null || !items.isObject())) {
            errors.add(GoText.required(p.child("items").toString(), "must be specified"));
        }
        if (items != null && items.isObject()) {
            invariants(items, Level.ITEM, p.child("items"));
        }
        s.path("properties").fields().forEachRemaining(e ->
                invariants(e.getValue(), Level.FIELD, p.child("properties").key(e.getKey())));
        JsonNode ap = s.get("additionalProperties");
        if (ap != null) {
            if (lvl == Level.ROOT) {
                errors.add(GoText.forbidden(p.child("additionalProperties").toString(), "must not be used at the root"));
            }
            if (ap.isObject()) {
                invariants(ap, Level.FIELD, p.child("additionalProperties"));
            }
        }
        if (intOrString && preserve) {
            errors.add(GoText.invalid(p.child("x-kubernetes-preserve-unknown-fields").toString(), true,
                    "must be false if x-kubernetes-int-or-string is true"));
        }
        if (intOrString && embedded) {
            errors.add(GoText.invalid(p.child("x-kubernetes-embedded-resource").toString(), true,
                    "must be false if x-kubernetes-int-or-string is true"));
        }
        valueValidation(s, isIntOrStringAnyOf(s.get("anyOf")), isIntOrStringAllOf(s.get("allOf")), p);
        if (embedded && !type.equals("object")) {
            errors.add(type.isEmpty()
                    ? GoText.required(p.child("type").toString(), "must be object if x-kubernetes-embedded-resource is true")
                    : GoText.invalid(p.child("type").toString(), type,
                            "must be object if x-kubernetes-embedded-resource is true"));
        } else if (type.isEmpty() && !intOrString && !preserve) {
            errors.add(GoText.required(p.child("type").toString(), switch (lvl) {
                case ROOT -> "must not be empty at the root";
                case ITEM -> "must not be empty for specified array items";
                case FIELD -> "must not be empty for specified object fields";
            }));
        }
        if (embedded && ap != null) {
            errors.add(GoText.forbidden(p.child("additionalProperties").toString(),
                    "must not be used if x-kubernetes-embedded-resource is set"));
        }
        if (lvl == Level.ROOT && !type.isEmpty() && !type.equals("object")) {
            errors.add(GoText.invalid(p.child("type").toString(), type, "must be object at the root"));
        }
        boolean checkMeta = lvl == Level.ROOT || embedded;
        JsonNode props = s.path("properties");
        for (String f : List.of("kind", "apiVersion")) {
            JsonNode fs = props.get(f);
            if (fs != null && checkMeta && !"string".equals(fs.path("type").asText(""))) {
                errors.add(GoText.invalid(p.child("properties").key(f).child("type").toString(),
                        fs.path("type").asText(""), "must be string"));
            }
        }
        JsonNode meta = props.get("metadata");
        if (meta != null) {
            metadata(meta, checkMeta, lvl, p.child("properties").key("metadata"));
        }
        if (embedded && !preserve && props.isEmpty()) {
            errors.add(GoText.required(p.child("properties").toString(), "must not be empty if "
                    + "x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
        }
    }

    private void metadata(JsonNode m, boolean checkMeta, Level lvl, FieldPath p) {
        String type = m.path("type").asText("");
        if (checkMeta && !type.equals("object")) {
            errors.add(GoText.invalid(p.child("type").toString(), type, "must be object"));
        }
        if (lvl != Level.ROOT || !m.isObject()) {
            return;
        }
        ObjectNode rest = ((ObjectNode) m).deepCopy();
        rest.remove(List.of("type", "default"));
        JsonNode props = rest.path("properties");
        Set<String> names = new HashSet<>();
        props.fieldNames().forEachRemaining(names::add);
        if (!names.isEmpty() && Set.of("name", "generateName").containsAll(names)) {
            rest.remove("properties");
        }
        if (!rest.isEmpty()) {
            errors.add(GoText.forbidden(p.toString(), "must not specify anything other than name and generateName, "
                    + "but metadata is implicitly specified"));
        }
    }

    private static boolean isIntOrStringAnyOf(JsonNode anyOf) {
        return anyOf != null && anyOf.isArray() && anyOf.size() == 2
                && onlyType(anyOf.get(0), "integer") && onlyType(anyOf.get(1), "string");
    }

    private static boolean isIntOrStringAllOf(JsonNode allOf) {
        return allOf != null && allOf.isArray() && allOf.size() >= 1 && isIntOrStringAnyOf(allOf.get(0).get("anyOf"));
    }

    private static boolean onlyType(JsonNode s, String type) {
        return s != null && s.isObject() && s.size() == 1 && type.equals(s.path("type").asText());
    }

    private void valueValidation(JsonNode v, boolean skipAnyOf, boolean skipFirstAllOfAnyOf, FieldPath p) {
        if (!skipAnyOf) {
            JsonNode anyOf = v.path("anyOf");
            for (int i = 0; i < anyOf.size(); i++) {
                nested(anyOf.get(i), false, p.child("anyOf").index(i));
            }
        }
        JsonNode allOf = v.path("allOf");
        for (int i = 0; i < allOf.size(); i++) {
            nested(allOf.get(i), skipFirstAllOfAnyOf && i == 0, p.child("allOf").index(i));
        }
        JsonNode oneOf = v.path("oneOf");
        for (int i = 0; i < oneOf.size(); i++) {
            nested(oneOf.get(i), false, p.child("oneOf").index(i));
        }
        if (v.has("not")) {
            nested(v.get("not"), false, p.child("not"));
        }
        String pattern = v.path("pattern").asText("");
        if (!pattern.isEmpty()) {
            try {
                java.util.regex.Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                errors.add(GoText.invalid(p.child("pattern").toString(), pattern,
                        "must be a valid regular expression, but isn't: " + e.getDescription()));
            }
        }
    }

    private void nested(JsonNode v, boolean skipAnyOf, FieldPath p) {
        if (v == null || !v.isObject()) {
            return;
        }
        valueValidation(v, skipAnyOf, false, p);
        if (v.path("items").isObject()) {
            nested(v.get("items"), false, p.child("items"));
        }
        v.path("properties").fields().forEachRemaining(e ->
                nested(e.getValue(), false, p.child("properties").key(e.getKey())));
        forbidIf(v.has("type") && !v.path("type").asText("").isEmpty(), p.child("type"), "must be empty to be structural");
        forbidIf(v.has("additionalProperties"), p.child("additionalProperties"), "must be undefined to be structural");
        forbidIf(v.has("default") && !v.get("default").isNull(), p.child("default"), "must be undefined to be structural");
        forbidIf(!v.path("title").asText("").isEmpty(), p.child("title"), "must be empty to be structural");
        forbidIf(!v.path("description").asText("").isEmpty(), p.child("description"), "must be empty to be structural");
        forbidIf(v.path("nullable").asBoolean(false), p.child("nullable"), "must be false to be structural");
        for (String x : NESTED_FORBIDDEN_EXTENSIONS) {
            JsonNode e = v.get(x);
            if (e == null || isZero(e)) {
                continue;
            }
            String detail = switch (x) {
                case "x-kubernetes-list-map-keys", "x-kubernetes-validations" -> "must be empty to be structural";
                case "x-kubernetes-list-type", "x-kubernetes-map-type" -> "must be undefined to be structural";
                default -> "must be false to be structural";
            };
            errors.add(GoText.forbidden(p.child(x).toString(), detail));
        }
        forbidIf(v.path("properties").has("metadata"), p.child("properties").key("metadata"),
                "must not be specified in a nested context");
    }

    /** Every property or items a value validation names must also be specified in the structural part. */
    private void completeness(JsonNode v, JsonNode s, FieldPath sPath, FieldPath vPath) {
        if (v == null || !v.isObject()) {
            return;
        }
        if (v.has("not")) {
            nestedCompleteness(v.get("not"), s, sPath, vPath.child("not"));
        }
        for (String junctor : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode arr = v.path(junctor);
            for (int i = 0; i < arr.size(); i++) {
                nestedCompleteness(arr.get(i), s, sPath, vPath.child(junctor).index(i));
            }
        }
    }

    private void nestedCompleteness(JsonNode v, JsonNode s, FieldPath sPath, FieldPath vPath) {
        if (v == null || !v.isObject()) {
            return;
        }
        if (s == null || !s.isObject()) {
            errors.add(GoText.required(sPath.toString(), "because it is defined in " + vPath));
            return;
        }
        completeness(v, s, sPath, vPath);
        if (v.path("items").isObject()) {
            JsonNode sItems = s.path("items").isObject() ? s.get("items") : null;
            nestedCompleteness(v.get("items"), sItems, sPath.child("items"), vPath.child("items"));
        }
        v.path("properties").fields().forEachRemaining(e -> {
            JsonNode sf = s.path("properties").get(e.getKey());
            FieldPath vp = vPath.child("properties").key(e.getKey());
            if (sf == null) {
                errors.add(GoText.required(sPath.child("properties").key(e.getKey()).toString(),
                        "because it is defined in " + vp));
            } else {
                nestedCompleteness(e.getValue(), sf, sPath.child("properties").key(e.getKey()), vp);
            }
        });
    }

    // ---------------------------------------------------------------- defaults

    /** Defaults must validate against their schema and must not carry fields pruning would drop. */
    private void defaults(JsonNode s, FieldPath p, boolean root) {
        if (s == null || !s.isObject()) {
            return;
        }
        JsonNode d = s.get("default");
        if (d != null && !d.isNull() && !root) {
            SchemaNode node = SchemaNode.parse(s);
            JsonNode pruned = d.deepCopy();
            if (!SchemaDefaulter.pruneValue(pruned, node).isEmpty()) {
                errors.add(GoText.invalid(p.child("default").toString(), d, "must not have unknown fields"));
            }
            for (FieldError e : SchemaValidator.check(node, d, "")) {
                String f = e.field().isEmpty() ? p.child("default").toString() : p.child("default") + "." + e.field();
                errors.add(new FieldError(e.reason(), f, e.message()));
            }
        }
        if (s.path("items").isObject()) {
            defaults(s.get("items"), p.child("items"), false);
        }
        if (s.path("additionalProperties").isObject()) {
            defaults(s.get("additionalProperties"), p.child("additionalProperties"), false);
        }
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) () -> s.path("properties").fields()) {
            defaults(e.getValue(), p.child("properties").key(e.getKey()), false);
        }
    }
}
