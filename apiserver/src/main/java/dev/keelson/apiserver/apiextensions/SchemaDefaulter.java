package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What kube-apiserver does to a custom object before validating it: drop fields the schema does not know (pruning,
 * reporting their paths for {@code fieldValidation=Strict|Warn}), drop non-nullable nulls that have no default, and
 * fill in {@code default}s. All three mutate the object in place.
 */
public final class SchemaDefaulter {
    private static final Set<String> META_FIELDS = Set.of("apiVersion", "kind", "metadata");

    private SchemaDefaulter() {}

    /** Prunes, drops nulls and defaults a whole custom object; answers the pruned field paths, sorted. */
    public static List<String> pruneAndDefault(ObjectNode obj, SchemaNode schema) {
        List<String> unknown = prune(obj, schema);
        pruneNulls(obj, schema);
        applyDefaults(obj, schema);
        return unknown;
    }

    /** Removes unknown fields ({@code apiVersion}, {@code kind}, {@code metadata} stay at the root); sorted paths. */
    public static List<String> prune(ObjectNode obj, SchemaNode schema) {
        List<String> unknown = new ArrayList<>();
        prune(obj, schema, "", true, unknown);
        unknown.sort(null);
        return unknown;
    }

    /** Prunes a value nested in an object (a default): no field is kept for being apiVersion, kind or metadata. */
    static List<String> pruneValue(JsonNode value, SchemaNode schema) {
        List<String> unknown = new ArrayList<>();
        prune(value, schema, "", false, unknown);
        return unknown;
    }

    private static void prune(JsonNode x, SchemaNode s, String path, boolean embedded, List<String> unknown) {
        if (s != null && s.preserveUnknownFields) {
            skipPrune(x, s, path, unknown);
            return;
        }
        if (x instanceof ObjectNode o) {
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                String k = e.getKey();
                if (s == null) {
                    unknown.add(join(path, k));
                    it.remove();
                    continue;
                }
                if ((embedded || s.embeddedResource) && META_FIELDS.contains(k)) {
                    continue;
                }
                SchemaNode prop = s.properties.get(k);
                if (prop != null) {
                    prune(e.getValue(), prop, join(path, k), false, unknown);
                } else if (s.additionalProperties != null) {
                    prune(e.getValue(), s.additionalProperties, join(path, k), false, unknown);
                } else {
                    unknown.add(join(path, k));
                    it.remove();
                }
            }
        } else if (x instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                prune(a.get(i), s == null ? null : s.items, path + "[" + i + "]", false, unknown);
            }
        }
    }

    private static void skipPrune(JsonNode x, SchemaNode s, String path, List<String> unknown) {
        if (x instanceof ObjectNode o) {
            var it = o.fields();
            while (it.hasNext()) {
                var e = it.next();
                String k = e.getKey();
                if (s.embeddedResource && META_FIELDS.contains(k)) {
                    continue;
                }
                SchemaNode prop = s.properties.get(k);
                if (prop != null) {
                    prune(e.getValue(), prop, join(path, k), false, unknown);
                } else if (s.additionalProperties != null) {
                    prune(e.getValue(), s.additionalProperties, join(path, k), false, unknown);
                }
            }
        } else if (x instanceof ArrayNode a && s.items != null) {
            for (int i = 0; i < a.size(); i++) {
                skipPrune(a.get(i), s.items, path + "[" + i + "]", unknown);
            }
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Kubernetes' {@code PruneNonNullableNullsWithoutDefaults}. */
    static void pruneNulls(JsonNode x, SchemaNode s) {
        if (x instanceof ObjectNode o) {
            var it = o.fields();
            while (it.hasNext()) {
                var e = it.next();
                SchemaNode f = s == null ? null : s.properties.getOrDefault(e.getKey(), s.additionalProperties);
                if (e.getValue().isNull() && f != null && !f.nullable && f.defaultValue == null) {
                    it.remove();
                } else {
                    pruneNulls(e.getValue(), f);
                }
            }
        } else if (x instanceof ArrayNode a) {
            for (JsonNode item : a) {
                pruneNulls(item, s == null ? null : s.items);
            }
        }
    }

    /** Kubernetes' defaulting algorithm: absent fields (and non-nullable nulls) take a deep copy of their default. */
    public static void applyDefaults(JsonNode x, SchemaNode s) {
        if (s == null) {
            return;
        }
        if (x instanceof ObjectNode o) {
            for (Map.Entry<String, SchemaNode> p : s.properties.entrySet()) {
                SchemaNode prop = p.getValue();
                if (prop.defaultValue == null) {
                    continue;
                }
                JsonNode cur = o.get(p.getKey());
                if (cur == null || cur.isNull() && !prop.nullable) {
                    o.set(p.getKey(), prop.defaultValue.deepCopy());
                }
            }
            var it = o.fields();
            while (it.hasNext()) {
                var e = it.next();
                SchemaNode prop = s.properties.get(e.getKey());
                if (prop != null) {
                    applyDefaults(e.getValue(), prop);
                } else if (s.additionalProperties != null) {
                    SchemaNode ap = s.additionalProperties;
                    if (e.getValue().isNull() && !ap.nullable && ap.defaultValue != null) {
                        e.setValue(ap.defaultValue.deepCopy());
                    }
                    applyDefaults(e.getValue(), ap);
                }
            }
        } else if (x instanceof ArrayNode a && s.items != null) {
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).isNull() && !s.items.nullable && s.items.defaultValue != null) {
                    a.set(i, s.items.defaultValue.deepCopy());
                }
                applyDefaults(a.get(i), s.items);
            }
        }
    }
}
