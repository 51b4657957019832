package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Equality of JSON trees as Kubernetes' {@code apiequality.Semantic.DeepEqual} sees the Go structs behind them: a field
 * that is absent, null or holds its zero value ("", 0, false, [], {}) counts as unset, and numbers compare by value.
 */
final class Semantic {

    private Semantic() {
    }

    static boolean equal(JsonNode a, JsonNode b) {
        return differences(a, b, FieldPath.root(), 1).isEmpty();
    }

    /** Up to {@code max} paths (relative to {@code base}) where the two trees differ. */
    static List<String> differences(JsonNode a, JsonNode b, FieldPath base, int max) {
        List<String> out = new ArrayList<>();
        diff(a, b, base, out, max);
        return out;
    }

    private static void diff(JsonNode a, JsonNode b, FieldPath p, List<String> out, int max) {
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
                diff(a.get(i), b.get(i), p.index(i), out, max);
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

    static boolean isZero(JsonNode n) {
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
