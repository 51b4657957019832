package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small read helpers over Jackson trees for code that has already been validated or only defaults. */
final class ObjectNodes {

    static final ObjectNode EMPTY = JsonNodeFactory.instance.objectNode();

    private ObjectNodes() {
    }

    static String text(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.isTextual() ? n.textValue() : "";
    }

    static boolean has(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && !n.isNull();
    }

    static ObjectNode child(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.isObject() ? (ObjectNode) n : null;
    }

    /** The child object, created (replacing a null) when missing. */
    static ObjectNode ensure(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n != null && n.isObject()) {
            return (ObjectNode) n;
        }
        return parent.putObject(field);
    }
}
