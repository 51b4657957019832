package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lone UTF-16 surrogates (a JSON {@code "\ud800"} escape) replaced with U+FFFD, as Go's JSON decoder replaces them:
 * such a string cannot be written as UTF-8, so it must not reach storage or a client.
 */
final class Utf16 {
    private Utf16() {
    }

    /** {@code node} with every lone surrogate in its strings and field names replaced (containers changed in place). */
    static JsonNode fix(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            obj.fields().forEachRemaining(entries::add);
            boolean renamed = false;
            for (Map.Entry<String, JsonNode> e : entries) {
                renamed |= !fix(e.getKey()).equals(e.getKey());
            }
            if (renamed) {
                obj.removeAll();
            }
            for (Map.Entry<String, JsonNode> e : entries) {
                JsonNode fixed = fix(e.getValue());
                String name = fix(e.getKey());
                if (renamed || fixed != e.getValue()) {
                    obj.set(name, fixed);
                }
            }
            return obj;
        }
        if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) {
                JsonNode fixed = fix(arr.get(i));
                if (fixed != arr.get(i)) {
                    arr.set(i, fixed);
                }
            }
            return arr;
        }
        if (node.isTextual()) {
            String s = node.textValue();
            String fixed = fix(s);
            return fixed.equals(s) ? node : com.fasterxml.jackson.databind.node.TextNode.valueOf(fixed);
        }
        return node;
    }

    static String fix(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lone = Character.isHighSurrogate(c)
                    ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
            if (lone && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(lone ? '\uFFFD' : c);
            }
        }
        return out == null ? s : out.toString();
    }
}
