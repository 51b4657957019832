package dev.keelson.controllermanager.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Equality of API values as Go's omitempty round-trips them: null, zero, false, "", empty lists and empty
 * objects are the same thing. Controllers compare desired with stored state this way so a harmless difference in form never causes
 * an endless write loop.
 */
public final class Semantic {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Semantic() {}

    public static boolean equal(Object a, Object b) {
        return normalise(MAPPER.valueToTree(a)).equals(normalise(MAPPER.valueToTree(b)));
    }

    private static JsonNode normalise(JsonNode node) {
        if (node == null || node.isNull()) {
            return MAPPER.nullNode();
        }
        if (node instanceof ObjectNode obj) {
            ObjectNode out = MAPPER.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode v = normalise(f.getValue());
                if (!v.isNull()) {
                    out.set(f.getKey(), v);
                }
            }
            return out.isEmpty() ? MAPPER.nullNode() : out;
        }
        if (node instanceof ArrayNode arr) {
            ArrayNode out = MAPPER.createArrayNode();
            arr.forEach(item -> out.add(normalise(item)));
            return out.isEmpty() ? MAPPER.nullNode() : out;
        }
        if ((node.isNumber() && node.asDouble() == 0) || (node.isBoolean() && !node.asBoolean())
                || (node.isTextual() && node.asText().isEmpty())) {
            return MAPPER.nullNode();
        }
        return node;
    }
}
