package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSONPath subset CRD printer columns and kubectl users write: {@code .a.b}, {@code ['a.b']}, {@code [0]},
 * {@code [-1]}, {@code [*]}, {@code .*} and the filter {@code [?(@.type=="Ready")]} (equality and inequality on a
 * dotted path). A path outside the subset finds nothing.
 */
final class JsonPath {
    private interface Step {}

    private record Field(String name) implements Step {}

    private record Index(int i) implements Step {}

    private record All() implements Step {}

    private record Filter(List<String> path, String value, boolean equal) implements Step {}

    private final List<Step> steps;

    private JsonPath(List<Step> steps) {
        this.steps = steps;
    }

    static JsonPath parse(String text) {
        String s = text.trim();
        if (s.startsWith("{") && s.endsWith("}")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.startsWith("$")) {
            s = s.substring(1);
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        try {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '.') {
                    int j = i + 1;
                    while (j < s.length() && s.charAt(j) != '.' && s.charAt(j) != '[') {
                        j++;
                    }
                    String name = s.substring(i + 1, j);
                    if (!name.isEmpty()) {
                        steps.add(name.equals("*") ? new All() : new Field(name));
                    }
                    i = j;
                } else if (c == '[') {
                    int end = closing(s, i);
                    steps.add(bracket(s.substring(i + 1, end).trim()));
                    i = end + 1;
                } else {
                    return new JsonPath(null);
                }
            }
        } catch (RuntimeException e) {
            return new JsonPath(null);
        }
        return new JsonPath(steps);
    }

    private static int closing(String s, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[') {
                depth++;
            } else if (c == ']' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unclosed [");
    }

    private static Step bracket(String b) {
        if (b.equals("*")) {
            return new All();
        }
        if (b.startsWith("'") && b.endsWith("'") || b.startsWith("\"") && b.endsWith("\"")) {
            return new Field(b.substring(1, b.length() - 1));
        }
        if (b.startsWith("?(") && b.endsWith(")")) {
            String expr = b.substring(2, b.length() - 1).trim();
            boolean equal = expr.contains("==");
            String[] parts = expr.split(equal ? "==" : "!=", 2);
            String left = parts[0].trim();
            if (!left.startsWith("@.") || parts.length != 2) {
                throw new IllegalArgumentException("unsupported filter");
            }
            String right = parts[1].trim();
            if (right.length() >= 2 && (right.startsWith("'") || right.startsWith("\""))) {
                right = right.substring(1, right.length() - 1);
            }
            return new Filter(List.of(left.substring(2).split("\\.")), right, equal);
        }
        return new Index(Integer.parseInt(b));
    }

    /** Every value the path reaches, in document order. */
    List<JsonNode> find(JsonNode root) {
        List<JsonNode> current = new ArrayList<>();
        if (steps == null) {
            return current;
        }
        current.add(root);
        for (Step step : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : current) {
                if (step instanceof Field f) {
                    JsonNode v = n.get(f.name());
                    if (v != null && n.isObject()) {
                        next.add(v);
                    }
                } else if (step instanceof Index x) {
                    if (n.isArray()) {
                        int i = x.i() < 0 ? n.size() + x.i() : x.i();
                        if (i >= 0 && i < n.size()) {
                            next.add(n.get(i));
                        }
                    }
                } else if (step instanceof All) {
                    n.elements().forEachRemaining(next::add);
                } else if (step instanceof Filter f) {
                    n.elements().forEachRemaining(e -> {
                        JsonNode v = e;
                        for (String p : f.path()) {
                            v = v.path(p);
                        }
                        boolean eq = v.isValueNode() && v.asText().equals(f.value());
                        if (!v.isMissingNode() && eq == f.equal()) {
                            next.add(e);
                        }
                    });
                }
            }
            current = next;
        }
        return current;
    }
}
