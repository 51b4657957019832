package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Collects field errors while a validator walks a JSON object, and reads typed fields from it: a field of the wrong
 * JSON type is reported once here (as the decoder would refuse it) and then treated as absent.
 */
public final class Errs {

    private final List<FieldError> list = new ArrayList<>();

    public Errs() {
    }

    /** The errors found, each once: Kubernetes drops repeated errors (same field and message) when it aggregates. */
    public List<FieldError> distinct() {
        return List.copyOf(new LinkedHashSet<>(list));
    }

    List<FieldError> list() {
        return Collections.unmodifiableList(list);
    }

    int size() {
        return list.size();
    }

    public void add(FieldError e) {
        list.add(e);
    }

    void invalid(FieldPath p, Object value, String detail) {
        list.add(FieldError.invalid(p, value, detail));
    }

    void invalidEach(FieldPath p, Object value, List<String> messages) {
        for (String m : messages) {
            list.add(FieldError.invalid(p, value, m));
        }
    }

    void required(FieldPath p, String detail) {
        list.add(FieldError.required(p, detail));
    }

    void forbidden(FieldPath p, String detail) {
        list.add(FieldError.forbidden(p, detail));
    }

    void duplicate(FieldPath p, Object value) {
        list.add(FieldError.duplicate(p, value));
    }

    void notFound(FieldPath p, Object value) {
        list.add(FieldError.notFound(p, value));
    }

    void notSupported(FieldPath p, Object value, List<String> supported) {
        list.add(FieldError.notSupported(p, value, supported));
    }

    /** Kubernetes' {@code ValidateNonnegativeField}. */
    void nonNegative(Long value, FieldPath p) {
        if (value != null && value < 0) {
            invalid(p, value, "must be greater than or equal to 0");
        }
    }

    String str(JsonNode parent, String field, FieldPath p) {
        JsonNode n = present(parent, field);
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            list.add(FieldError.typeInvalid(p, n, "must be of type string"));
            return null;
        }
        return n.textValue();
    }

    /** A string field, with "" when absent (Go's zero value). */
    String text(JsonNode parent, String field, FieldPath p) {
        String s = str(parent, field, p);
        return s == null ? "" : s;
    }

    Long integer(JsonNode parent, String field, FieldPath p) {
        JsonNode n = present(parent, field);
        if (n == null) {
            return null;
        }
        if (!n.isIntegralNumber() && !(n.isNumber() && n.decimalValue().stripTrailingZeros().scale() <= 0)) {
            list.add(FieldError.typeInvalid(p, n, "must be of type integer"));
            return null;
        }
        return n.longValue();
    }

    Boolean bool(JsonNode parent, String field, FieldPath p) {
        JsonNode n = present(parent, field);
        if (n == null) {
            return null;
        }
        if (!n.isBoolean()) {
            list.add(FieldError.typeInvalid(p, n, "must be of type boolean"));
            return null;
        }
        return n.booleanValue();
    }

    ObjectNode object(JsonNode parent, String field, FieldPath p) {
        JsonNode n = present(parent, field);
        if (n == null) {
            return null;
        }
        if (!n.isObject()) {
            list.add(FieldError.typeInvalid(p, n, "must be of type object"));
            return null;
        }
        return (ObjectNode) n;
    }

    /** The array's object elements (index preserved); non-object elements are reported. Empty when absent. */
    List<ObjectNode> objects(JsonNode parent, String field, FieldPath p) {
        ArrayNode a = array(parent, field, p);
        List<ObjectNode> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        for (int i = 0; i < a.size(); i++) {
            JsonNode el = a.get(i);
            if (el.isObject()) {
                out.add((ObjectNode) el);
            } else {
                list.add(FieldError.typeInvalid(p.index(i), el, "must be of type object"));
                out.add(ObjectNodes.EMPTY);
            }
        }
        return out;
    }

    ArrayNode array(JsonNode parent, String field, FieldPath p) {
        JsonNode n = present(parent, field);
        if (n == null) {
            return null;
        }
        if (!n.isArray()) {
            list.add(FieldError.typeInvalid(p, n, "must be of type array"));
            return null;
        }
        return (ArrayNode) n;
    }

    /** A {@code map[string]string} field (labels, annotations, selectors); null when absent. */
    Map<String, String> stringMap(JsonNode parent, String field, FieldPath p) {
        ObjectNode o = object(parent, field, p);
        if (o == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        o.fields().forEachRemaining(en -> {
            JsonNode v = en.getValue();
            if (v.isTextual()) {
                out.put(en.getKey(), v.textValue());
            } else if (!v.isNull()) {
                list.add(FieldError.typeInvalid(p.key(en.getKey()), v, "must be of type string"));
            }
        });
        return out;
    }

    /** A {@code []string} field; empty when absent. */
    List<String> strings(JsonNode parent, String field, FieldPath p) {
        ArrayNode a = array(parent, field, p);
        List<String> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        for (int i = 0; i < a.size(); i++) {
            JsonNode el = a.get(i);
            if (el.isTextual()) {
                out.add(el.textValue());
            } else {
                list.add(FieldError.typeInvalid(p.index(i), el, "must be of type string"));
            }
        }
        return out;
    }

    private static JsonNode present(JsonNode parent, String field) {
        if (parent == null) {
            return null;
        }
        JsonNode n = parent.get(field);
        return n == null || n.isNull() ? null : n;
    }
}
