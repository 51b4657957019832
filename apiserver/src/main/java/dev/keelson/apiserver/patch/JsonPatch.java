package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * RFC 6902 JSON patch ({@code application/json-patch+json}), applied in place on one copy of the document with
 * kube-apiserver's bounds: at most 10,000 operations (413) and at most 3 MiB added by {@code copy} operations
 * (422), counted as each copy is made, so a short patch of repeated copies cannot double the object until the heap
 * is gone. Errors read as those of the Go library kube-apiserver uses.
 */
public final class JsonPatch {
    /** kube-apiserver's maxJSONPatchOperations. */
    public static final int MAX_OPERATIONS = 10_000;
    /** kube-apiserver's JSONPatchMaxCopyBytes: how much {@code copy} operations may add, in JSON bytes. */
    public static final long MAX_COPY_BYTES = 3L * 1024 * 1024;

    private static final Comparator<JsonNode> NUMERIC = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private JsonNode root;
    private long copied;

    private JsonPatch(JsonNode root) {
        this.root = root;
    }

    /** Returns the patched copy of {@code doc}; the input is left untouched. */
    public static JsonNode apply(JsonNode doc, JsonNode ops) {
        if (ops == null || !ops.isArray()) {
            throw new PatchException("json patch must be a JSON array of operations");
        }
        if (ops.size() > MAX_OPERATIONS) {
            throw ApiException.tooLarge("The allowed maximum operations in a JSON patch is " + MAX_OPERATIONS
                    + ", got " + ops.size());
        }
        for (JsonNode op : ops) {
            if (!op.isObject() || !op.path("op").isTextual() || !op.path("path").isTextual()) {
                throw new PatchException("invalid json patch operation (needs \"op\" and \"path\"): " + op);
            }
        }
        JsonPatch patch = new JsonPatch(doc.deepCopy());
        for (JsonNode op : ops) {
            patch.apply(op);
        }
        return patch.root;
    }

    private void apply(JsonNode op) {
        String path = op.get("path").asText();
        List<String> to = pointer(path);
        switch (op.get("op").asText()) {
            case "add" -> add(to, value(op), "add operation does not apply: doc is missing path: \"" + path + "\"");
            case "remove" -> remove(to, "remove operation does not apply: doc is missing path: \"" + path + "\"");
            case "replace" -> {
                String missing = "replace operation does not apply: doc is missing path: " + path;
                if (to.isEmpty()) {
                    root = value(op);
                    return;
                }
                JsonNode parent = find(to.subList(0, to.size() - 1));
                String last = to.get(to.size() - 1);
                int i = index(last);
                if (parent instanceof ObjectNode o && o.has(last)) {
                    o.replace(last, value(op));
                } else if (parent instanceof ArrayNode a && i >= 0 && i < a.size()) {
                    a.set(i, value(op));
                } else {
                    throw missing(missing);
                }
            }
            case "move" -> {
                String from = from(op);
                if (path.startsWith(from + "/")) {
                    throw new PatchException("move operation does not apply: from path \"" + from
                            + "\" is a prefix of path \"" + path + "\"");
                }
                JsonNode moved = remove(pointer(from), "move operation does not apply: doc is missing from path: "
                        + from);
                add(to, moved, "move operation does not apply: doc is missing destination path: " + path);
            }
            case "copy" -> {
                String from = from(op);
                JsonNode source = find(pointer(from));
                if (source == null) {
                    throw missing("copy operation does not apply: doc is missing from path: " + from);
                }
                copied += JsonSize.of(source, MAX_COPY_BYTES - copied + 1);
                if (copied > MAX_COPY_BYTES) {
                    throw new PatchException("unable to complete the copy, the accumulated size increase of copy is "
                            + copied + ", exceeding the limit " + MAX_COPY_BYTES);
                }
                add(to, source.deepCopy(), "copy operation does not apply: doc is missing destination path: " + path);
            }
            case "test" -> {
                JsonNode actual = find(to);
                JsonNode expected = op.get("value");
                if (actual == null && (expected == null || expected.isNull()) && to.isEmpty()) {
                    return;
                }
                if (actual == null || expected == null || !actual.equals(NUMERIC, expected)) {
                    throw new PatchException("testing value " + path + " failed: test failed");
                }
            }
            default -> throw new PatchException("Unexpected kind: " + op.get("op").asText());
        }
    }

    private static JsonNode value(JsonNode op) {
        JsonNode v = op.get("value");
        if (v == null) {
            throw new PatchException("missing value for operation " + op.get("op").asText() + " at "
                    + op.get("path").asText());
        }
        return v.deepCopy();
    }

    private static String from(JsonNode op) {
        JsonNode from = op.get("from");
        if (from == null || !from.isTextual()) {
            throw new PatchException("missing from for operation " + op.get("op").asText());
        }
        return from.asText();
    }

    private static PatchException missing(String message) {
        return new PatchException(message + ": missing value");
    }

    private void add(List<String> to, JsonNode value, String missing) {
        if (to.isEmpty()) {
            root = value;
            return;
        }
        JsonNode parent = find(to.subList(0, to.size() - 1));
        String last = to.get(to.size() - 1);
        if (parent instanceof ObjectNode o) {
            o.set(last, value);
        } else if (parent instanceof ArrayNode a) {
            if ("-".equals(last)) {
                a.add(value);
                return;
            }
            int i = index(last);
            if (i < 0 || i > a.size()) {
                throw new PatchException("Unable to access invalid index: " + last + ": invalid index referenced");
            }
            a.insert(i, value);
        } else {
            throw missing(missing);
        }
    }

    private JsonNode remove(List<String> at, String missing) {
        if (at.isEmpty()) {
            JsonNode old = root;
            root = NullNode.getInstance();
            return old;
        }
        JsonNode parent = find(at.subList(0, at.size() - 1));
        String last = at.get(at.size() - 1);
        if (parent instanceof ObjectNode o && o.has(last)) {
            return o.remove(last);
        }
        if (parent instanceof ArrayNode a) {
            int i = index(last);
            if (i >= 0 && i < a.size()) {
                return a.remove(i);
            }
        }
        throw missing(missing);
    }

    /** The node a pointer names, or null. */
    private JsonNode find(List<String> tokens) {
        JsonNode node = root;
        for (String t : tokens) {
            if (node instanceof ObjectNode o) {
                node = o.get(t);
            } else if (node instanceof ArrayNode a) {
                int i = index(t);
                node = i >= 0 && i < a.size() ? a.get(i) : null;
            } else {
                return null;
            }
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    /** An array index: digits without a leading zero, or -1. */
    private static int index(String token) {
        if (token.isEmpty() || token.length() > 9 || token.length() > 1 && token.charAt(0) == '0') {
            return -1;
        }
        for (int i = 0; i < token.length(); i++) {
            if (!Character.isDigit(token.charAt(i))) {
                return -1;
            }
        }
        return Integer.parseInt(token);
    }

    private static List<String> pointer(String path) {
        List<String> tokens = new ArrayList<>();
        if (path.isEmpty()) {
            return tokens;
        }
        if (path.charAt(0) != '/') {
            throw new PatchException("JSON pointer must be empty or start with a \"/\": " + path);
        }
        for (String raw : path.substring(1).split("/", -1)) {
            tokens.add(raw.replace("~1", "/").replace("~0", "~"));
        }
        return tokens;
    }

    /** Size of a value as compact JSON, counted no further than {@code budget}. */
    static final class JsonSize {
        private JsonSize() {
        }

        static long of(JsonNode node, long budget) {
            long size = switch (node.getNodeType()) {
                case STRING -> node.textValue().length() + 2L;
                case NUMBER, BOOLEAN, NULL, BINARY, MISSING, POJO -> node.asText().length();
                case ARRAY, OBJECT -> 2L;
            };
            if (node.isArray()) {
                for (JsonNode e : node) {
                    size += of(e, budget - size) + 1;
                    if (size > budget) {
                        return size;
                    }
                }
            } else if (node.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> it = node.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    size += e.getKey().length() + 4L + of(e.getValue(), budget - size);
                    if (size > budget) {
                        return size;
                    }
                }
            }
            return size;
        }
    }
}
