package dev.keelson.componentbase.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Equality of API values as Kubernetes' {@code apiequality.Semantic.DeepEqual} sees the Go structs behind them: a field
 * that is absent, null or holds its zero value ("", 0, false, [], {}) counts as unset, and numbers compare by value.
 * The apiserver compares JSON trees with it (immutable fields, pod updates); controllers compare desired with stored
 * model objects, so a harmless difference in form never causes an endless write loop.
 */
public final class Semantic {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Semantic() {
    }

    public static boolean equal(JsonNode a, JsonNode b) {
        return differences(a, b, "", 1).isEmpty();
    }

    /** Model objects (fabric8 classes, lists, maps) compared through their JSON form. */
    public static boolean equal(Object a, Object b) {
        return equal((JsonNode) MAPPER.valueToTree(a), (JsonNode) MAPPER.valueToTree(b));
    }

    /** Up to {@code max} paths ({@code base.field[0]...}) where the two trees differ. */
    public static List<String> differences(JsonNode a, JsonNode b, String base, int max) {
        List<String> out = new ArrayList<>();
        diff(a, b, new Path(null, base, false), out, max);
        return out;
    }

    /** A path built only when a difference is reported. */
    private record Path(Path parent, String segment, boolean index) {
        Path child(String name) {
            return new Path(this, name, false);
        }

        Path at(int i) {
            return new Path(this, Integer.toString(i), true);
        }

        @Override
        public String toString() {
            if (parent == null) {
                return segment;
            }
            String p = parent.toString();
            return index ? p + "[" + segment + "]" : p.isEmpty() ? segment : p + "." + segment;
        }
    }

    private static void diff(JsonNode a, JsonNode b, Path p, List<String> out, int max) {
        if (out.size() >= max) {
            return;
        }
        boolean az = isZero(a);
        boolean bz = isZero(b);
        if (az || bz) {
            if (az != bz) {
                out.add(p.toString());
            }
            return;
        }
        if (a.isObject() && b.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(a.get(k), b.get(k), p.child(k), out, max);
            }
            return;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                out.add(p.toString());
                return;
            }
            for (int i = 0; i < a.size(); i++) {
                diff(a.get(i), b.get(i), p.at(i), out, max);
            }
            return;
        }
        if (a.isNumber() && b.isNumber()) {
            if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
                out.add(p.toString());
            }
            return;
        }
        if (!a.equals(b)) {
            out.add(p.toString());
        }
    }

    /** Go's zero value, as omitempty drops it: null, "", 0, false, [] and objects holding only zero values. */
    public static boolean isZero(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return true;
        }
        if (n.isTextual()) {
            return n.textValue().isEmpty();
        }
        if (n.isNumber()) {
            return n.decimalValue().signum() == 0;
        }
        if (n.isBoolean()) {
            return !n.booleanValue();
        }
        if (n.isArray()) {
            return n.isEmpty();
        }
        if (n.isObject()) {
            Iterator<JsonNode> it = n.elements();
            while (it.hasNext()) {
                if (!isZero(it.next())) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }
}
