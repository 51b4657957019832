package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One node of a CRD's {@code openAPIV3Schema}, parsed once per CRD version so that validating, defaulting and
 * pruning an object walks Java fields and compiled patterns rather than JSON. Mirrors the parts of Kubernetes'
 * {@code JSONSchemaProps} the apiserver acts on. Parse only schemas {@link StructuralSchema} accepted.
 */
public final class SchemaNode {
    final String type;
    final String format;
    final String description;
    final boolean nullable;
    final boolean intOrString;
    final boolean preserveUnknownFields;
    final boolean embeddedResource;
    final Map<String, SchemaNode> properties;
    /** The schema of additional properties, or null; {@code additionalProperties: true} is an empty schema. */
    final SchemaNode additionalProperties;
    final SchemaNode items;
    final List<String> required;
    final List<JsonNode> enumValues;
    final Pattern pattern;
    final String patternSource;
    final JsonNode maximum;
    final JsonNode minimum;
    final boolean exclusiveMaximum;
    final boolean exclusiveMinimum;
    final JsonNode multipleOf;
    final Long maxLength;
    final Long minLength;
    final Long maxItems;
    final Long minItems;
    final boolean uniqueItems;
    final Long maxProperties;
    final Long minProperties;
    final JsonNode defaultValue;
    final String listType;
    final List<String> listMapKeys;
    final String mapType;
    final List<SchemaNode> allOf;
    final List<SchemaNode> anyOf;
    final List<SchemaNode> oneOf;
    final SchemaNode not;

    private SchemaNode(JsonNode s) {
        type = text(s, "type");
        format = text(s, "format");
        description = text(s, "description");
        nullable = s.path("nullable").asBoolean(false);
        intOrString = s.path("x-kubernetes-int-or-string").asBoolean(false);
        preserveUnknownFields = s.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        embeddedResource = s.path("x-kubernetes-embedded-resource").asBoolean(false);
        Map<String, SchemaNode> props = new LinkedHashMap<>();
        s.path("properties").fields().forEachRemaining(e -> props.put(e.getKey(), new SchemaNode(e.getValue())));
        properties = Collections.unmodifiableMap(props);
        JsonNode ap = s.get("additionalProperties");
        if (ap != null && ap.isObject()) {
            additionalProperties = new SchemaNode(ap);
        } else if (ap != null && ap.isBoolean() && ap.booleanValue()) {
            additionalProperties = new SchemaNode(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                    .objectNode().put("x-kubernetes-preserve-unknown-fields", true));
        } else {
            additionalProperties = null;
        }
        JsonNode it = s.get("items");
        items = it != null && it.isObject() ? new SchemaNode(it) : null;
        required = strings(s.get("required"));
        List<JsonNode> en = new ArrayList<>();
        s.path("enum").forEach(en::add);
        enumValues = List.copyOf(en);
        patternSource = text(s, "pattern");
        pattern = patternSource.isEmpty() ? null : compile(patternSource);
        maximum = number(s, "maximum");
        minimum = number(s, "minimum");
        exclusiveMaximum = s.path("exclusiveMaximum").asBoolean(false);
        exclusiveMinimum = s.path("exclusiveMinimum").asBoolean(false);
        multipleOf = number(s, "multipleOf");
        maxLength = integer(s, "maxLength");
        minLength = integer(s, "minLength");
        maxItems = integer(s, "maxItems");
        minItems = integer(s, "minItems");
        uniqueItems = s.path("uniqueItems").asBoolean(false);
        maxProperties = integer(s, "maxProperties");
        minProperties = integer(s, "minProperties");
        JsonNode d = s.get("default");
        defaultValue = d == null || d.isNull() ? null : d;
        listType = text(s, "x-kubernetes-list-type");
        listMapKeys = strings(s.get("x-kubernetes-list-map-keys"));
        mapType = text(s, "x-kubernetes-map-type");
        allOf = nodes(s.get("allOf"));
        anyOf = nodes(s.get("anyOf"));
        oneOf = nodes(s.get("oneOf"));
        JsonNode n = s.get("not");
        not = n != null && n.isObject() ? new SchemaNode(n) : null;
    }

    /** Parses a structural schema (the {@code openAPIV3Schema} of one CRD version). */
    public static SchemaNode parse(JsonNode schema) {
        return new SchemaNode(schema == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode().put("type", "object").put("x-kubernetes-preserve-unknown-fields", true) : schema);
    }

    public String type() {
        return type;
    }

    public String description() {
        return description;
    }

    public Map<String, SchemaNode> properties() {
        return properties;
    }

    public SchemaNode items() {
        return items;
    }

    public SchemaNode additionalProperties() {
        return additionalProperties;
    }

    /** The schema of a nested property, or null when the field is not specified. */
    public SchemaNode property(String name) {
        return properties.get(name);
    }

    /** Compiles a schema pattern; a pattern Java cannot compile was refused as non-structural before. */
    static Pattern compile(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    private static String text(JsonNode s, String field) {
        JsonNode v = s.get(field);
        return v != null && v.isTextual() ? v.textValue() : "";
    }

    private static JsonNode number(JsonNode s, String field) {
        JsonNode v = s.get(field);
        return v != null && v.isNumber() ? v : null;
    }

    private static Long integer(JsonNode s, String field) {
        JsonNode v = s.get(field);
        return v != null && v.isIntegralNumber() ? v.asLong() : null;
    }

    private static List<String> strings(JsonNode arr) {
        if (arr == null || !arr.isArray()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        arr.forEach(v -> out.add(v.asText()));
        return List.copyOf(out);
    }

    private static List<SchemaNode> nodes(JsonNode arr) {
        if (arr == null || !arr.isArray()) {
            return List.of();
        }
        List<SchemaNode> out = new ArrayList<>();
        arr.forEach(v -> out.add(new SchemaNode(v)));
        return List.copyOf(out);
    }
}
