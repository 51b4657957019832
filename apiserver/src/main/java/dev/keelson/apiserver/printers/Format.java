package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Kubernetes' cell formatting helpers: human durations, timestamps, label and selector strings. */
public final class Format {
    private Format() {
    }

    /** apimachinery's duration.HumanDuration: "5s", "3m2s", "10m", "5h3m", "2d", "3y". */
    public static String humanDuration(Duration d) {
        long seconds = d.toMillis() / 1000;
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = hours / 24 % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }

    /** translateTimestampSince: the age of an RFC 3339 timestamp, or "&lt;unknown&gt;" when absent. */
    public static String since(JsonNode timestamp, Instant now) {
        Instant t = parseTime(timestamp);
        return t == null ? "<unknown>" : humanDuration(Duration.between(t, now));
    }

    public static Instant parseTime(JsonNode timestamp) {
        if (timestamp == null || !timestamp.isTextual() || timestamp.asText().isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(timestamp.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** labels.FormatLabels: sorted {@code k=v} joined by commas, "&lt;none&gt;" when empty. */
    public static String labels(JsonNode map) {
        if (map == null || !map.isObject() || map.isEmpty()) {
            return "<none>";
        }
        Map<String, String> sorted = new TreeMap<>();
        map.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(",", parts);
    }

    /** A metav1.LabelSelector rendered as labels.Selector.String(): requirements sorted by key. */
    public static String selector(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return "<none>";
        }
        TreeMap<String, List<String>> byKey = new TreeMap<>();
        selector.path("matchLabels").fields().forEachRemaining(e ->
                byKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getKey() + "=" + e.getValue().asText()));
        for (JsonNode expr : selector.path("matchExpressions")) {
            String key = expr.path("key").asText();
            List<String> values = new ArrayList<>();
            expr.path("values").forEach(v -> values.add(v.asText()));
            values.sort(String::compareTo);
            String text = switch (expr.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key + " " + expr.path("operator").asText();
            };
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(text);
        }
        List<String> parts = new ArrayList<>();
        byKey.values().forEach(parts::addAll);
        return String.join(",", parts);
    }

    /** The items of a list joined, with " + N more..." beyond {@code max} (printers.go listWithMoreString). */
    static String listWithMore(List<String> all, int max, String empty) {
        if (all.size() > max) {
            return String.join(",", all.subList(0, max)) + " + " + (all.size() - max) + " more...";
        }
        return all.isEmpty() ? empty : String.join(",", all);
    }
}
