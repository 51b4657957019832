package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A set of field paths in the {@code fieldsV1} encoding of managedFields: each path is a list of elements
 * {@code f:<field>}, {@code k:<merge key json>} (an item of a keyed list) or {@code v:<value json>} (a set item).
 */
final class FieldSet {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> IGNORED_METADATA = Set.of("name", "namespace", "uid", "resourceVersion",
            "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields",
            "selfLink");

    private static final MergeType OBJECT_META = MergeType.of(io.fabric8.kubernetes.api.model.ObjectMeta.class);

    final Set<List<String>> paths = new LinkedHashSet<>();

    /** The leaf fields, keyed-list items and set items an object sets; status too unless {@code skipStatus}. */
    static FieldSet of(JsonNode obj, Class<?> cls, boolean skipStatus) {
        return of(obj, MergeType.of(cls), skipStatus);
    }

    /** As {@link #of(JsonNode, Class, boolean)} for an object of merge type {@code type}. */
    static FieldSet of(JsonNode obj, MergeType type, boolean skipStatus) {
        FieldSet set = new FieldSet();
        if (obj == null || !obj.isObject()) {
            return set;
        }
        Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals("apiVersion") || key.equals("kind") || skipStatus && key.equals("status")) {
                continue;
            }
            List<String> path = List.of("f:" + key);
            if (key.equals("metadata") && e.getValue().isObject()) {
                Iterator<Map.Entry<String, JsonNode>> meta = e.getValue().fields();
                while (meta.hasNext()) {
                    Map.Entry<String, JsonNode> m = meta.next();
                    if (!IGNORED_METADATA.contains(m.getKey())) {
                        set.walk(append(path, "f:" + m.getKey()), m.getValue(), OBJECT_META.field(m.getKey()));
                    }
                }
                continue;
            }
            set.walk(path, e.getValue(), type.field(key));
        }
        return set;
    }

    private void walk(List<String> path, JsonNode value, MergeType.Field field) {
        MergeType type = field == null ? MergeType.UNKNOWN : field.value();
        if (value.isObject()) {
            if (value.isEmpty() || type.atomic()) {
                paths.add(path);
                return;
            }
            Iterator<Map.Entry<String, JsonNode>> it = value.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                walk(append(path, "f:" + e.getKey()), e.getValue(), type.field(e.getKey()));
            }
        } else if (value.isArray() && field != null && field.keyed()) {
            for (JsonNode item : value) {
                String key = keyElement(field.keys(), item);
                if (key == null) {
                    continue;
                }
                List<String> itemPath = append(path, key);
                paths.add(itemPath);
                if (type.atomic()) {
                    continue;
                }
                Iterator<Map.Entry<String, JsonNode>> it = item.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    walk(append(itemPath, "f:" + e.getKey()), e.getValue(), type.field(e.getKey()));
                }
            }
        } else if (value.isArray() && field != null && field.mergeList()) {
            paths.add(path);
            for (JsonNode item : value) {
                paths.add(append(path, "v:" + item.toString()));
            }
        } else {
            paths.add(path);
        }
    }

    /**
     * The path element of a keyed list item, {@code k:{"name":"x"}} with the keys in name order as
     * structured-merge-diff writes them, or null when the item is not an object holding every key.
     */
    static String keyElement(List<String> keys, JsonNode item) {
        if (!item.isObject()) {
            return null;
        }
        ObjectNode key = NODES.objectNode();
        for (String k : keys.size() == 1 ? keys : keys.stream().sorted().toList()) {
            JsonNode v = item.get(k);
            if (v == null) {
                return null;
            }
            key.set(k, v);
        }
        return "k:" + key;
    }

    static List<String> append(List<String> path, String element) {
        List<String> out = new ArrayList<>(path.size() + 1);
        out.addAll(path);
        out.add(element);
        return List.copyOf(out);
    }

    /** The node a path points at in {@code root}, or null when absent. */
    static JsonNode valueAt(JsonNode root, List<String> path) {
        JsonNode node = root;
        for (String element : path) {
            if (node == null) {
                return null;
            }
            node = step(node, element);
        }
        return node;
    }

    private static JsonNode step(JsonNode node, String element) {
        String body = element.substring(2);
        if (element.startsWith("f:")) {
            return node.isObject() ? node.get(body) : null;
        }
        if (!node.isArray()) {
            return null;
        }
        JsonNode wanted = parse(body);
        for (JsonNode item : node) {
            if (element.startsWith("v:") ? StrategicMergePatch.sameValue(item, wanted) : matchesKey(item, wanted)) {
                return item;
            }
        }
        return null;
    }

    private static boolean matchesKey(JsonNode item, JsonNode key) {
        if (!item.isObject() || !key.isObject()) {
            return false;
        }
        Iterator<Map.Entry<String, JsonNode>> it = key.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!StrategicMergePatch.sameValue(item.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Removes what a path points at from {@code root} (a field, a keyed item or a set item). */
    static void remove(JsonNode root, List<String> path) {
        JsonNode parent = valueAt(root, path.subList(0, path.size() - 1));
        String last = path.get(path.size() - 1);
        if (parent == null) {
            return;
        }
        if (last.startsWith("f:") && parent.isObject()) {
            ((ObjectNode) parent).remove(last.substring(2));
        } else if (parent.isArray()) {
            JsonNode target = step(parent, last);
            ArrayNode array = (ArrayNode) parent;
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i) == target) {
                    array.remove(i);
                    return;
                }
            }
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new PatchException("invalid managedFields path element: " + json);
        }
    }

    /**
     * The owned paths that also have owned children: merged lists ({@code f:finalizers} with its {@code v:} items).
     * Their values are compared item by item, never as a whole, when managers' applies are checked for conflicts.
     */
    Set<List<String>> containers() {
        Set<List<String>> out = new java.util.HashSet<>();
        for (List<String> p : paths) {
            if (p.size() > 1 && paths.contains(p.subList(0, p.size() - 1))) {
                out.add(p.subList(0, p.size() - 1));
            }
        }
        return out;
    }

    boolean ownsWithin(List<String> prefix) {
        for (List<String> p : paths) {
            if (p.size() >= prefix.size() && p.subList(0, prefix.size()).equals(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The fieldsV1 tree: nested objects, {@code "."} marking an owned node that also has owned children. */
    ObjectNode toFieldsV1() {
        ObjectNode root = NODES.objectNode();
        for (List<String> path : paths) {
            ObjectNode node = root;
            for (String element : path) {
                ObjectNode child = (ObjectNode) node.get(element);
                if (child == null) {
                    child = NODES.objectNode();
                    node.set(element, child);
                }
                node = child;
            }
            node.put("__owned", true);
        }
        return finish(root);
    }

    private static ObjectNode finish(ObjectNode node) {
        ObjectNode out = NODES.objectNode();
        boolean owned = node.has("__owned");
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        names.remove("__owned");
        if (owned && !names.isEmpty()) {
            out.set(".", NODES.objectNode());
        }
        names.sort(String::compareTo);
        for (String name : names) {
            out.set(name, finish((ObjectNode) node.get(name)));
        }
        return out;
    }

    static FieldSet fromFieldsV1(JsonNode tree) {
        FieldSet set = new FieldSet();
        if (tree != null && tree.isObject()) {
            set.read(List.of(), tree);
        }
        return set;
    }

    private void read(List<String> path, JsonNode node) {
        if (node.isEmpty() && !path.isEmpty()) {
            paths.add(path);
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(".")) {
                paths.add(path);
            } else {
                read(append(path, e.getKey()), e.getValue());
            }
        }
    }

    /** Kubernetes' textual form of a path, e.g. {@code .spec.template.spec.containers[name="nginx"].image}. */
    static String format(List<String> path) {
        StringBuilder out = new StringBuilder();
        for (String element : path) {
            String body = element.substring(2);
            if (element.startsWith("f:")) {
                out.append('.').append(body);
            } else if (element.startsWith("v:")) {
                out.append("[=").append(body).append(']');
            } else {
                JsonNode key = parse(body);
                List<String> parts = new ArrayList<>();
                key.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue()));
                out.append('[').append(String.join(",", parts)).append(']');
            }
        }
        return out.toString();
    }
}
