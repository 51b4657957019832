package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/** RFC 7386 JSON merge patch ({@code application/merge-patch+json}): objects merge, null deletes, the rest replaces. */
public final class JsonMergePatch {
    private JsonMergePatch() {
    }

    /** Returns the patched copy of {@code target}; the input is left untouched. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            return patch == null ? null : patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject()
                ? (ObjectNode) target.deepCopy() : JsonNodeFactory.instance.objectNode();
        List<String> names = new ArrayList<>();
        patch.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode value = patch.get(name);
            if (value.isNull()) {
                result.remove(name);
            } else {
                result.set(name, apply(result.get(name), value));
            }
        }
        return result;
    }
}
