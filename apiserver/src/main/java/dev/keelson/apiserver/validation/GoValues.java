package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders values the way Go's fmt does inside Kubernetes validation messages ({@code %q} for strings, {@code %v} for
 * numbers, {@code %#v} for maps and slices), so our messages read exactly like kube-apiserver's.
 */
final class GoValues {

    /** A value already rendered as Go would print it (e.g. a struct literal). */
    record Literal(String text) {
    }

    private GoValues() {
    }

    static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Literal l) {
            return l.text();
        }
        if (value instanceof String s) {
            return quote(s);
        }
        if (value instanceof Number || value instanceof Boolean) {
            return value.toString();
        }
        if (value instanceof JsonNode n) {
            return renderJson(n);
        }
        if (value instanceof Map<?, ?> m) {
            return stringMap(m);
        }
        if (value instanceof List<?> l) {
            return stringSlice(l);
        }
        return value.toString();
    }

    private static String renderJson(JsonNode n) {
        if (n.isNull() || n.isMissingNode()) {
            return "null";
        }
        if (n.isTextual()) {
            return quote(n.asText());
        }
        if (n.isNumber() || n.isBoolean()) {
            return n.asText();
        }
        return n.toString();
    }

    /** Go's {@code %#v} of a {@code map[string]string}: keys sorted, {@code map[string]string{"a":"b"}}. */
    static String stringMap(Map<?, ?> m) {
        Map<String, String> sorted = new TreeMap<>();
        m.forEach((k, v) -> sorted.put(String.valueOf(k), v instanceof JsonNode j ? j.asText() : String.valueOf(v)));
        return sorted.entrySet().stream()
                .map(e -> quote(e.getKey()) + ":" + quote(e.getValue()))
                .collect(Collectors.joining(", ", "map[string]string{", "}"));
    }

    /** Go's {@code %#v} of a {@code []string}. */
    static String stringSlice(List<?> l) {
        return l.stream().map(v -> quote(String.valueOf(v))).collect(Collectors.joining(", ", "[]string{", "}"));
    }

    /** Go's {@code strconv.Quote}. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 0x07 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case 0x0b -> b.append("\\v");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        b.append(String.format("\\x%02x", cp));
                    } else if (Character.isISOControl(cp) || !Character.isDefined(cp)) {
                        b.append(cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
                    } else {
                        b.appendCodePoint(cp);
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
