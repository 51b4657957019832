package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.validation.FieldError;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates a custom object against its version's structural schema as kube-apiserver's CRD handler does (kube-openapi's
 * schema validator, then the list-type and embedded-resource checks): the field of each error is the path kube-openapi
 * names ({@code spec.ports[0].port}) and the message its text ({@code spec.ports[0].port in body must be of type
 * integer: "string"}).
 */
public final class SchemaValidator {
    /** Backtracking steps one pattern match may take: Kubernetes' RE2 is linear, Java's matcher is not. */
    static final int PATTERN_STEPS = 1_000_000;

    private final List<FieldError> errors = new ArrayList<>();

    private SchemaValidator() {}

    /** Every schema error of {@code obj} (the whole custom object), in kube-apiserver's order and words. */
    public static List<FieldError> validate(SchemaNode schema, JsonNode obj) {
        SchemaValidator v = new SchemaValidator();
        v.value(schema, obj, "");
        if (v.errors.isEmpty()) {
            v.listTypes(schema, obj, "");
            v.embedded(schema, obj, "", true);
        }
        return v.errors;
    }

    /** Whether {@code value} satisfies {@code schema} (used for anyOf/oneOf/not and for defaults). */
    static List<FieldError> check(SchemaNode schema, JsonNode value, String path) {
        SchemaValidator v = new SchemaValidator();
        v.value(schema, value, path);
        return v.errors;
    }

    private void value(SchemaNode s, JsonNode v, String path) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            if (!s.nullable && (!s.type.isEmpty() || s.intOrString)) {
                errors.add(GoText.typeInvalid(path, "null", path + " in body must be of type " + typeName(s)
                        + ": \"null\""));
            }
            return;
        }
        String actual = jsonType(v);
        if (!typeMatches(s, v, actual)) {
            errors.add(GoText.typeInvalid(path, actual, path + " in body must be of type " + typeName(s) + ": "
                    + GoText.quote(actual)));
            return;
        }
        combinators(s, v, path);
        if (v.isTextual()) {
            string(s, v.textValue(), path);
        }
        if (v.isNumber()) {
            number(s, v, path);
        }
        if (v.isArray()) {
            array(s, v, path);
        }
        if (!s.enumValues.isEmpty() && !s.enumValues.contains(v) && !enumContainsNumber(s, v)) {
            List<String> allowed = new ArrayList<>();
            for (JsonNode e : s.enumValues) {
                allowed.add(e.isTextual() ? e.textValue() : e.toString());
            }
            errors.add(GoText.notSupported(path, v, allowed));
        }
        if (v.isObject()) {
            object(s, v, path);
        }
    }

    private static boolean enumContainsNumber(SchemaNode s, JsonNode v) {
        if (!v.isNumber()) {
            return false;
        }
        for (JsonNode e : s.enumValues) {
            if (e.isNumber() && e.decimalValue().compareTo(v.decimalValue()) == 0) {
                return true;
            }
        }
        return false;
    }

    private static String typeName(SchemaNode s) {
        return s.intOrString ? "integer,string" : s.type;
    }

    static String jsonType(JsonNode v) {
        if (v.isTextual()) {
            return "string";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isArray()) {
            return "array";
        }
        return "object";
    }

    private static boolean typeMatches(SchemaNode s, JsonNode v, String actual) {
        if (s.intOrString) {
            return actual.equals("string") || actual.equals("integer") || isFloatInt(v);
        }
        if (s.type.isEmpty() || s.type.equals(actual)) {
            return true;
        }
        return s.type.equals("number") && actual.equals("integer") || s.type.equals("integer") && isFloatInt(v);
    }

    private static boolean isFloatInt(JsonNode v) {
        if (!v.isNumber() || v.isIntegralNumber()) {
            return false;
        }
        BigDecimal d = v.decimalValue();
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }

    private void combinators(SchemaNode s, JsonNode v, String path) {
        if (!s.anyOf.isEmpty()) {
            List<FieldError> best = null;
            boolean ok = false;
            for (SchemaNode alt : s.anyOf) {
                List<FieldError> r = check(alt, v, path);
                if (r.isEmpty()) {
                    ok = true;
                    break;
                }
                if (best == null) {
                    best = r;
                }
            }
            if (!ok) {
                errors.add(GoText.invalid("", "", GoText.quote(path) + " must validate at least one schema (anyOf)"));
                errors.addAll(best);
            }
        }
        if (!s.oneOf.isEmpty()) {
            int valid = 0;
            List<FieldError> best = null;
            for (SchemaNode alt : s.oneOf) {
                List<FieldError> r = check(alt, v, path);
                if (r.isEmpty()) {
                    valid++;
                } else if (best == null) {
                    best = r;
                }
            }
            if (valid != 1) {
                errors.add(GoText.invalid("", "", GoText.quote(path) + " must validate one and only one schema (oneOf). "
                        + (valid == 0 ? "Found none valid" : "Found " + valid + " valid alternatives")));
                if (valid == 0) {
                    errors.addAll(best);
                }
            }
        }
        if (!s.allOf.isEmpty()) {
            int valid = 0;
            for (SchemaNode part : s.allOf) {
                List<FieldError> r = check(part, v, path);
                if (r.isEmpty()) {
                    valid++;
                }
                errors.addAll(r);
            }
            if (valid != s.allOf.size()) {
                errors.add(GoText.invalid("", "", GoText.quote(path) + " must validate all the schemas (allOf)"
                        + (valid == 0 ? ". None validated" : "")));
            }
        }
        if (s.not != null && check(s.not, v, path).isEmpty()) {
            errors.add(GoText.invalid("", "", GoText.quote(path) + " must not validate the schema (not)"));
        }
    }

    private void string(SchemaNode s, String v, String path) {
        long len = v.codePointCount(0, v.length());
        if (s.maxLength != null && len > s.maxLength) {
            errors.add(GoText.tooLong(path, s.maxLength));
        }
        if (s.minLength != null && len < s.minLength) {
            errors.add(GoText.invalid(path, v, path + " in body should be at least " + s.minLength + " chars long"));
        }
        if (s.pattern != null && !matches(s.pattern, v)) {
            errors.add(GoText.invalid(path, v, path + " in body should match '" + s.patternSource + "'"));
        }
        if (!s.format.isEmpty() && !StringFormats.valid(s.format, v)) {
            errors.add(GoText.typeInvalid(path, v, path + " in body must be of type " + s.format + ": "
                    + GoText.quote(v)));
        }
    }

    /** Go's {@code MatchString}: the pattern may match anywhere; a match that runs away counts as no match. */
    static boolean matches(Pattern p, String v) {
        try {
            return p.matcher(new BoundedChars(v, PATTERN_STEPS)).find();
        } catch (BoundedChars.Exhausted e) {
            return false;
        }
    }

    private void number(SchemaNode s, JsonNode v, String path) {
        BigDecimal d = v.decimalValue();
        if (s.multipleOf != null && s.multipleOf.decimalValue().signum() != 0
                && d.remainder(s.multipleOf.decimalValue()).signum() != 0) {
            errors.add(GoText.invalid(path, v, path + " in body should be a multiple of " + GoText.number(s.multipleOf)));
        }
        if (s.maximum != null) {
            int c = d.compareTo(s.maximum.decimalValue());
            if (s.exclusiveMaximum ? c >= 0 : c > 0) {
                errors.add(GoText.invalid(path, v, path + " in body should be less than "
                        + (s.exclusiveMaximum ? "" : "or equal to ") + GoText.number(s.maximum)));
            }
        }
        if (s.minimum != null) {
            int c = d.compareTo(s.minimum.decimalValue());
            if (s.exclusiveMinimum ? c <= 0 : c < 0) {
                errors.add(GoText.invalid(path, v, path + " in body should be greater than "
                        + (s.exclusiveMinimum ? "" : "or equal to ") + GoText.number(s.minimum)));
            }
        }
    }

    private void array(SchemaNode s, JsonNode v, String path) {
        if (s.items != null) {
            for (int i = 0; i < v.size(); i++) {
                value(s.items, v.get(i), path + "[" + i + "]");
            }
        }
        if (s.minItems != null && v.size() < s.minItems) {
            errors.add(GoText.invalid(path, (long) v.size(), path + " in body should have at least " + s.minItems
                    + " items"));
        }
        if (s.maxItems != null && v.size() > s.maxItems) {
            errors.add(GoText.tooMany(path, v.size(), s.maxItems));
        }
        if (s.uniqueItems) {
            Set<JsonNode> seen = new HashSet<>();
            for (JsonNode item : v) {
                if (!seen.add(item)) {
                    errors.add(GoText.invalid(path, "", path + " in body shouldn't contain duplicates"));
                    break;
                }
            }
        }
    }

    private void object(SchemaNode s, JsonNode v, String path) {
        int n = v.size();
        if (s.minProperties != null && n < s.minProperties) {
            errors.add(GoText.invalid(path, (long) n, path + " in body should have at least " + s.minProperties
                    + " properties"));
        }
        if (s.maxProperties != null && n > s.maxProperties) {
            errors.add(GoText.tooMany(path, n, s.maxProperties));
        }
        for (String r : s.required) {
            if (!v.has(r)) {
                errors.add(GoText.required(path.isEmpty() ? r : path + "." + r, ""));
            }
        }
        for (Map.Entry<String, SchemaNode> p : s.properties.entrySet()) {
            JsonNode child = v.get(p.getKey());
            if (child != null) {
                value(p.getValue(), child, path.isEmpty() ? p.getKey() : path + "." + p.getKey());
            }
        }
        if (s.additionalProperties != null) {
            var it = v.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!s.properties.containsKey(e.getKey())) {
                    value(s.additionalProperties, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
                }
            }
        }
    }

    // ---------------------------------------------------------------- x-kubernetes-list-type

    private void listTypes(SchemaNode s, JsonNode v, String path) {
        if (s == null || v == null) {
            return;
        }
        if (v.isObject()) {
            var it = v.fields();
            while (it.hasNext()) {
                var e = it.next();
                SchemaNode p = s.properties.get(e.getKey());
                if (p != null) {
                    listTypes(p, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
                } else if (s.additionalProperties != null) {
                    listTypes(s.additionalProperties, e.getValue(), path + "[" + e.getKey() + "]");
                }
            }
        } else if (v.isArray()) {
            if ("set".equals(s.listType)) {
                Set<JsonNode> seen = new HashSet<>();
                Set<JsonNode> reported = new HashSet<>();
                for (int i = 0; i < v.size(); i++) {
                    JsonNode item = v.get(i);
                    if (!seen.add(item) && reported.add(item)) {
                        errors.add(GoText.duplicate(path + "[" + i + "]", item));
                    }
                }
            } else if ("map".equals(s.listType)) {
                listMap(s, v, path);
            }
            if (s.items != null) {
                for (int i = 0; i < v.size(); i++) {
                    listTypes(s.items, v.get(i), path + "[" + i + "]");
                }
            }
        }
    }

    private void listMap(SchemaNode s, JsonNode v, String path) {
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isNull() && !item.isObject()) {
                errors.add(GoText.invalid(path + "[" + i + "]", item, "must be an object for an array of list-type map"));
                return;
            }
        }
        Set<JsonNode> seen = new HashSet<>();
        Set<JsonNode> reported = new HashSet<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            ObjectNode key = JsonNodeFactory.instance.objectNode();
            for (String k : s.listMapKeys) {
                JsonNode kv = item.get(k);
                if (kv != null) {
                    key.set(k, kv);
                }
            }
            if (!seen.add(key) && reported.add(key)) {
                errors.add(GoText.duplicate(path + "[" + i + "]", key));
            }
        }
    }

    // ---------------------------------------------------------------- x-kubernetes-embedded-resource

    private void embedded(SchemaNode s, JsonNode v, String path, boolean root) {
        if (s == null || v == null) {
            return;
        }
        if (v.isObject()) {
            if (s.embeddedResource && !root) {
                if (!v.has("apiVersion")) {
                    errors.add(GoText.required(path + ".apiVersion", ""));
                }
                if (!v.has("kind")) {
                    errors.add(GoText.required(path + ".kind", ""));
                }
            }
            var it = v.fields();
            while (it.hasNext()) {
                var e = it.next();
                SchemaNode p = s.properties.get(e.getKey());
                if (p != null) {
                    embedded(p, e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), false);
                } else if (s.additionalProperties != null) {
                    embedded(s.additionalProperties, e.getValue(), path + "[" + e.getKey() + "]", false);
                }
            }
        } else if (v.isArray() && s.items != null) {
            for (int i = 0; i < v.size(); i++) {
                embedded(s.items, v.get(i), path + "[" + i + "]", false);
            }
        }
    }

    /** A string that refuses to be read more than a given number of times, so a runaway regex stops. */
    static final class BoundedChars implements CharSequence {
        static final class Exhausted extends RuntimeException {
            Exhausted() {
                super(null, null, false, false);
            }
        }

        private final String s;
        private final int[] budget;

        BoundedChars(String s, int budget) {
            this(s, new int[] {budget});
        }

        private BoundedChars(String s, int[] budget) {
            this.s = s;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (--budget[0] < 0) {
                throw new Exhausted();
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new BoundedChars(s.substring(start, end), budget);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
