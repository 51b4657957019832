package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.validation.FieldError;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Field errors of custom resources and their definitions, worded as Kubernetes' {@code field.Error} prints them, with
 * values rendered as Go's fmt does ({@code %q} strings, {@code %v} numbers, {@code %#v} maps).
 */
final class GoText {
    private GoText() {}

    static FieldError invalid(String path, Object value, String detail) {
        return new FieldError(FieldError.INVALID, path, join("Invalid value: " + render(value), detail));
    }

    static FieldError typeInvalid(String path, Object value, String detail) {
        return new FieldError(FieldError.TYPE_INVALID, path, join("Invalid value: " + render(value), detail));
    }

    static FieldError required(String path, String detail) {
        return new FieldError(FieldError.REQUIRED, path, join("Required value", detail));
    }

    static FieldError forbidden(String path, String detail) {
        return new FieldError(FieldError.FORBIDDEN, path, join("Forbidden", detail));
    }

    static FieldError duplicate(String path, Object value) {
        return new FieldError(FieldError.DUPLICATE, path, "Duplicate value: " + render(value));
    }

    static FieldError notSupported(String path, Object value, List<String> supported) {
        String detail = supported.isEmpty() ? "" : "supported values: "
                + supported.stream().map(GoText::quote).collect(Collectors.joining(", "));
        return new FieldError(FieldError.NOT_SUPPORTED, path, join("Unsupported value: " + render(value), detail));
    }

    static FieldError tooLong(String path, long max) {
        return new FieldError(FieldError.TOO_LONG, path,
                "Too long: may not be more than " + max + (max == 1 ? " byte" : " bytes"));
    }

    static FieldError tooMany(String path, long actual, long max) {
        return new FieldError(FieldError.TOO_MANY, path, "Too many: " + actual + ": must have at most " + max + " items");
    }

    private static String join(String head, String detail) {
        return detail == null || detail.isEmpty() ? head : head + ": " + detail;
    }

    /** A value as {@code field.Error} prints it: strings quoted, numbers plain, the rest as Go's %#v. */
    static String render(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String s) {
            return quote(s);
        }
        if (value instanceof JsonNode n) {
            if (n.isTextual()) {
                return quote(n.textValue());
            }
            if (n.isNumber()) {
                return number(n);
            }
            if (n.isBoolean()) {
                return n.asText();
            }
            if (n.isNull()) {
                return "<nil>";
            }
            if (n.isObject()) {
                return goMap(n);
            }
            return "[]interface {}{" + elements(n) + "}";
        }
        return value.toString();
    }

    /** Go's {@code %#v} of a {@code map[string]interface{}}: keys sorted. */
    static String goMap(JsonNode obj) {
        java.util.TreeMap<String, JsonNode> sorted = new java.util.TreeMap<>();
        obj.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted.entrySet().stream().map(e -> quote(e.getKey()) + ":" + inner(e.getValue()))
                .collect(Collectors.joining(", ", "map[string]interface {}{", "}"));
    }

    private static String elements(JsonNode arr) {
        StringBuilder b = new StringBuilder();
        for (JsonNode v : arr) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(inner(v));
        }
        return b.toString();
    }

    private static String inner(JsonNode v) {
        if (v.isTextual()) {
            return quote(v.textValue());
        }
        if (v.isNull()) {
            return "interface {}(nil)";
        }
        return render(v);
    }

    /** A JSON number as Go's %v prints an int64 or a float64. */
    static String number(JsonNode n) {
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue().toString();
        }
        BigDecimal d = n.decimalValue().stripTrailingZeros();
        if (d.scale() <= 0 && d.abs().compareTo(BigDecimal.valueOf(1e21)) < 0) {
            return d.toBigInteger().toString();
        }
        double x = d.doubleValue();
        String s = Double.toString(x);
        if (s.contains("E")) {
            String[] parts = s.split("E");
            String mant = parts[0].endsWith(".0") ? parts[0].substring(0, parts[0].length() - 2) : parts[0];
            int exp = Integer.parseInt(parts[1]);
            return mant + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        return s;
    }

    /** Go's {@code strconv.Quote} for the characters schemas and names use. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
