package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.keelson.apiserver.patch.ModelSchema;
import dev.keelson.apiserver.patch.ModelSchema.FieldSchema;
import dev.keelson.apiserver.patch.ModelSchema.Shape;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds fields a request body sets that the kind does not have, and fields given twice, for
 * {@code fieldValidation=Strict|Warn}. Paths are Kubernetes-style: {@code .spec.template.spec.containers[0].imagePullPolicyy}.
 */
public final class UnknownFields {
    private static final JsonFactory FACTORY = new JsonFactory();

    private UnknownFields() {
    }

    /** Paths of fields in {@code body} that {@code modelClass} does not declare (nothing for unknown classes). */
    public static List<String> find(JsonNode body, Class<?> modelClass) {
        return walk(body, modelClass, false);
    }

    /**
     * Removes the fields {@code modelClass} does not declare from {@code body} and returns their paths: Kubernetes'
     * typed decoder drops them, so they are never stored nor handed to a client that could not decode them.
     */
    public static List<String> prune(JsonNode body, Class<?> modelClass) {
        return walk(body, modelClass, true);
    }

    private static List<String> walk(JsonNode body, Class<?> modelClass, boolean prune) {
        List<String> out = new ArrayList<>();
        if (modelClass != null && ModelSchema.isModelClass(modelClass)) {
            walk(body, modelClass, "", out, prune);
        }
        return out;
    }

    /**
     * True for model classes with a deserializer of their own (JSONSchemaPropsOrArray, ...OrBool: a schema or a list,
     * a schema or a boolean): their declared fields are not their JSON shape, so nothing in them is unknown.
     */
    public static boolean opaque(Class<?> cls) {
        JsonDeserialize custom = cls.getAnnotation(JsonDeserialize.class);
        return custom != null && custom.using() != JsonDeserializer.None.class;
    }

    private static void walk(JsonNode node, Class<?> cls, String path, List<String> out, boolean prune) {
        if (!node.isObject() || opaque(cls)) {
            return;
        }
        Map<String, FieldSchema> fields = ModelSchema.fields(cls);
        if (fields.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String child = path + "." + e.getKey();
            FieldSchema fs = fields.get(e.getKey());
            if (fs == null) {
                out.add(child);
                if (prune) {
                    it.remove();
                }
            } else {
                walkValue(e.getValue(), fs.shape(), fs.valueClass(), fs.elementShape(), child, out, prune);
            }
        }
    }

    private static void walkValue(JsonNode value, Shape shape, Class<?> cls, Shape elementShape, String path,
                                  List<String> out, boolean prune) {
        switch (shape) {
            case OBJECT -> walk(value, cls, path, out, prune);
            case LIST -> {
                if (value.isArray() && elementShape == Shape.OBJECT) {
                    for (int i = 0; i < value.size(); i++) {
                        walk(value.get(i), cls, path + "[" + i + "]", out, prune);
                    }
                }
            }
            case MAP -> {
                if (value.isObject() && elementShape == Shape.OBJECT) {
                    value.fields().forEachRemaining(e -> walk(e.getValue(), cls, path + "[" + e.getKey() + "]", out,
                            prune));
                }
            }
            default -> {
            }
        }
    }

    /** Paths of object fields that appear more than once in the raw JSON text (JsonNode keeps only the last). */
    public static List<String> duplicates(byte[] json) {
        List<String> out = new ArrayList<>();
        Deque<String> paths = new ArrayDeque<>();
        Deque<Set<String>> seen = new ArrayDeque<>();
        Deque<int[]> indexes = new ArrayDeque<>();
        String pendingField = null;
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case FIELD_NAME -> {
                        String name = p.currentName();
                        if (!seen.peek().add(name)) {
                            out.add(paths.peek() + "." + name);
                        }
                        pendingField = name;
                        continue;
                    }
                    case START_OBJECT, START_ARRAY -> {
                        String here = childPath(paths, indexes, pendingField);
                        paths.push(here);
                        seen.push(new HashSet<>());
                        indexes.push(new int[]{t == JsonToken.START_ARRAY ? 0 : -1});
                    }
                    case END_OBJECT, END_ARRAY -> {
                        paths.pop();
                        seen.pop();
                        indexes.pop();
                        advance(indexes);
                    }
                    default -> advance(indexes);
                }
                pendingField = null;
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static String childPath(Deque<String> paths, Deque<int[]> indexes, String field) {
        if (paths.isEmpty()) {
            return "";
        }
        if (field != null) {
            return paths.peek() + "." + field;
        }
        return paths.peek() + "[" + indexes.peek()[0] + "]";
    }

    private static void advance(Deque<int[]> indexes) {
        if (!indexes.isEmpty() && indexes.peek()[0] >= 0) {
            indexes.peek()[0]++;
        }
    }
}
