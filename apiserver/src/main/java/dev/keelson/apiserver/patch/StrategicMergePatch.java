package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Kubernetes' strategic merge patch ({@code application/strategic-merge-patch+json}): lists tagged
 * {@code patchStrategy:"merge"} merge by their merge key, other lists replace, maps merge, null deletes, and the
 * directives {@code $patch}, {@code $setElementOrder/}, {@code $retainKeys} and {@code $deleteFromPrimitiveList/}
 * are honoured, the way apimachinery's strategicpatch package applies a patch on the server.
 */
public final class StrategicMergePatch {
    static final String PATCH = "$patch";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String SET_ORDER = "$setElementOrder/";
    static final String DELETE_PRIMITIVES = "$deleteFromPrimitiveList/";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StrategicMergePatch() {
    }

    /**
     * Returns the patched copy of {@code original} (null stands for an empty object), for the kind modelled by
     * {@code model}. Kinds without a model class (null) merge maps and replace lists.
     */
    public static JsonNode apply(JsonNode original, JsonNode patch, Class<?> model) {
        return apply(original, patch, MergeType.of(model));
    }

    /** As {@link #apply(JsonNode, JsonNode, Class)} for an object of merge type {@code type}. */
    static JsonNode apply(JsonNode original, JsonNode patch, MergeType type) {
        if (patch == null || !patch.isObject()) {
            throw new PatchException("strategic merge patch must be a JSON object");
        }
        ObjectNode base = original != null && original.isObject() ? (ObjectNode) original.deepCopy() : NODES.objectNode();
        return mergeMap(base, (ObjectNode) patch.deepCopy(), type);
    }

    /** Merges {@code patch} into {@code original} (both owned by the caller and modified) for type {@code cls}. */
    static JsonNode mergeMap(ObjectNode original, ObjectNode patch, MergeType cls) {
        JsonNode directive = patch.remove(PATCH);
        if (directive != null) {
            switch (directive.asText()) {
                case "replace":
                    return fresh(patch, cls);
                case "delete":
                    return NODES.objectNode();
                case "merge":
                    break;
                default:
                    throw new PatchException("unknown patch type: " + directive.asText() + " in map: " + patch);
            }
        }
        JsonNode retain = patch.remove(RETAIN_KEYS);
        if (retain != null) {
            if (!retain.isArray()) {
                throw new PatchException("invalid $retainKeys directive, must be a list of strings: " + retain);
            }
            Set<String> keep = new HashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            original.retain(keep);
        }
        List<String> keys = new ArrayList<>();
        patch.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (key.startsWith(SET_ORDER)) {
                applyElementOrder(original, patch, key.substring(SET_ORDER.length()), patch.get(key), cls);
                patch.remove(key);
            }
        }
        keys.clear();
        patch.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            JsonNode value = patch.get(key);
            if (key.startsWith(DELETE_PRIMITIVES)) {
                String field = key.substring(DELETE_PRIMITIVES.length());
                JsonNode current = original.get(field);
                if (!value.isArray()) {
                    throw new PatchException("invalid " + key + " directive, must be a list: " + value);
                }
                if (current != null && current.isArray()) {
                    ArrayNode kept = NODES.arrayNode();
                    for (JsonNode item : current) {
                        if (!containsValue(value, item)) {
                            kept.add(item);
                        }
                    }
                    original.set(field, kept);
                }
                continue;
            }
            if (key.startsWith("$")) {
                continue;
            }
            if (value.isNull()) {
                original.remove(key);
                continue;
            }
            MergeType.Field fs = cls.field(key);
            JsonNode current = original.get(key);
            if (current == null || current.isNull() || current.getNodeType() != value.getNodeType()) {
                original.set(key, fresh(value, fs));
            } else if (value.isObject()) {
                original.set(key, fs != null && fs.replace()
                        ? fresh(value, fs) : mergeMap((ObjectNode) current, (ObjectNode) value, valueClass(fs)));
            } else if (value.isArray()) {
                original.set(key, mergeList((ArrayNode) current, (ArrayNode) value, fs));
            } else {
                original.set(key, value);
            }
        }
        return original;
    }

    /** A patch value placed where the original has nothing: directives resolve against emptiness, nulls vanish. */
    static JsonNode fresh(JsonNode value, MergeType.Field fs) {
        if (value.isObject()) {
            return mergeMap(NODES.objectNode(), (ObjectNode) value, valueClass(fs));
        }
        if (value.isArray()) {
            return mergeList(NODES.arrayNode(), (ArrayNode) value, fs);
        }
        return value;
    }

    private static JsonNode fresh(ObjectNode value, MergeType cls) {
        return mergeMap(NODES.objectNode(), value, cls);
    }

    private static MergeType valueClass(MergeType.Field fs) {
        return fs == null ? MergeType.UNKNOWN : fs.value();
    }

    static ArrayNode mergeList(ArrayNode original, ArrayNode patch, MergeType.Field fs) {
        MergeType elemClass = valueClass(fs);
        if (fs == null || !fs.mergeList()) {
            ArrayNode out = NODES.arrayNode();
            for (JsonNode item : patch) {
                if (item.isObject() && item.has(PATCH)) {
                    continue;
                }
                out.add(item.isObject() ? fresh((ObjectNode) item, elemClass) : item);
            }
            return out;
        }
        if (original.isEmpty() && patch.isEmpty()) {
            return original;
        }
        boolean maps = isMapList(original) || isMapList(patch);
        if (!maps) {
            List<JsonNode> merged = new ArrayList<>();
            for (JsonNode item : original) {
                addUnique(merged, item);
            }
            for (JsonNode item : patch) {
                addUnique(merged, item);
            }
            return order(merged, list(patch), list(original), null);
        }
        List<String> mergeKey = fs.keys();
        if (mergeKey.isEmpty()) {
            throw new PatchException("cannot merge lists without merge key for " + fs.name());
        }
        List<JsonNode> base = list(original);
        List<JsonNode> items = new ArrayList<>();
        for (JsonNode item : patch) {
            if (!item.isObject()) {
                throw new PatchException("expected a map in list " + fs.name() + " but got " + item);
            }
            JsonNode directive = item.get(PATCH);
            if (directive == null) {
                items.add(item);
                continue;
            }
            switch (directive.asText()) {
                case "delete" -> {
                    if (!hasKeys(item, mergeKey)) {
                        throw new PatchException("delete patch type with no merge key defined");
                    }
                    base.removeIf(o -> sameKeys(o, item, mergeKey));
                }
                case "replace" -> base.clear();
                case "merge" -> throw new PatchException("merging lists cannot yet be specified in the patch");
                default -> throw new PatchException("unknown patch type: " + directive.asText() + " in map: " + item);
            }
        }
        List<JsonNode> originalOrder = new ArrayList<>(base);
        for (JsonNode item : items) {
            if (!hasKeys(item, mergeKey)) {
                throw new PatchException("map: " + item + " does not contain declared merge key: "
                        + String.join(",", mergeKey));
            }
            int at = indexOf(base, item, mergeKey);
            if (at >= 0) {
                base.set(at, mergeMap((ObjectNode) base.get(at), (ObjectNode) item, elemClass));
            } else {
                base.add(fresh((ObjectNode) item, elemClass));
            }
        }
        return order(base, items, originalOrder, mergeKey);
    }

    private static void applyElementOrder(ObjectNode original, ObjectNode patch, String field, JsonNode order,
                                          MergeType cls) {
        if (!order.isArray()) {
            throw new PatchException("invalid " + SET_ORDER + field + " directive, must be a list: " + order);
        }
        MergeType.Field fs = cls.field(field);
        JsonNode current = original.get(field);
        JsonNode patchList = patch.get(field);
        boolean hasCurrent = current != null && current.isArray();
        boolean hasPatch = patchList != null && patchList.isArray();
        List<JsonNode> merged;
        if (hasCurrent && hasPatch) {
            merged = list(mergeList((ArrayNode) current, (ArrayNode) patchList, fs));
        } else if (hasCurrent) {
            merged = list((ArrayNode) current);
        } else if (hasPatch) {
            merged = list(mergeList(NODES.arrayNode(), (ArrayNode) patchList, fs));
        } else {
            return;
        }
        List<String> mergeKey = fs == null || fs.keys().isEmpty() ? null : fs.keys();
        if (mergeKey != null) {
            for (JsonNode item : order) {
                if (!hasKeys(item, mergeKey)) {
                    throw new PatchException("$setElementOrder/" + field + " item " + item
                            + " does not contain declared merge key: " + String.join(",", mergeKey));
                }
            }
        }
        original.set(field, order(merged, list((ArrayNode) order),
                hasCurrent ? list((ArrayNode) current) : List.of(), mergeKey));
        if (hasPatch) {
            patch.remove(field);
        }
    }

    /**
     * Kubernetes' normalizeElementOrder: items named in {@code patchOrder} take that relative order, the others keep
     * their relative order from {@code serverOrder}, and server-only items are interleaved by their live position.
     */
    static ArrayNode order(List<JsonNode> merged, List<JsonNode> patchOrder, List<JsonNode> serverOrder,
                           List<String> mergeKey) {
        List<JsonNode> patchItems = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            (indexOf(patchOrder, item, mergeKey) >= 0 ? patchItems : serverOnly).add(item);
        }
        sortBy(patchItems, patchOrder, mergeKey);
        sortBy(serverOnly, serverOrder, mergeKey);
        ArrayNode out = NODES.arrayNode();
        int i = 0;
        int j = 0;
        while (i < serverOnly.size() || j < patchItems.size()) {
            if (i >= serverOnly.size()) {
                out.add(patchItems.get(j++));
            } else if (j >= patchItems.size()) {
                out.add(serverOnly.get(i++));
            } else {
                int li = indexOf(serverOrder, serverOnly.get(i), mergeKey);
                int ri = indexOf(serverOrder, patchItems.get(j), mergeKey);
                if (li >= 0 && ri >= 0 && li < ri) {
                    out.add(serverOnly.get(i++));
                } else {
                    out.add(patchItems.get(j++));
                }
            }
        }
        return out;
    }

    private static void sortBy(List<JsonNode> items, List<JsonNode> order, List<String> mergeKey) {
        items.sort((a, b) -> {
            int ia = indexOf(order, a, mergeKey);
            int ib = indexOf(order, b, mergeKey);
            return Integer.compare(ia < 0 ? Integer.MAX_VALUE : ia, ib < 0 ? Integer.MAX_VALUE : ib);
        });
    }

    static int indexOf(List<JsonNode> list, JsonNode item, List<String> mergeKey) {
        for (int i = 0; i < list.size(); i++) {
            JsonNode candidate = list.get(i);
            if (mergeKey == null) {
                if (sameValue(candidate, item)) {
                    return i;
                }
            } else if (candidate.isObject() && item.isObject() && hasKeys(item, mergeKey)
                    && sameKeys(candidate, item, mergeKey)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean hasKeys(JsonNode item, List<String> keys) {
        for (String k : keys) {
            if (item.get(k) == null) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameKeys(JsonNode a, JsonNode b, List<String> keys) {
        for (String k : keys) {
            if (!sameValue(a.get(k), b.get(k))) {
                return false;
            }
        }
        return true;
    }

    /** JSON equality that treats 80 and 80.0 (or int and long nodes) as the same number. */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static boolean containsValue(JsonNode list, JsonNode item) {
        for (JsonNode candidate : list) {
            if (sameValue(candidate, item)) {
                return true;
            }
        }
        return false;
    }

    private static void addUnique(List<JsonNode> list, JsonNode item) {
        if (indexOf(list, item, null) < 0) {
            list.add(item);
        }
    }

    private static boolean isMapList(ArrayNode list) {
        for (JsonNode item : list) {
            if (item.isObject()) {
                return true;
            }
        }
        return false;
    }

    private static List<JsonNode> list(ArrayNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
