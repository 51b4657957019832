package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.patch.ModelSchema;
import dev.keelson.apiserver.patch.ModelSchema.FieldSchema;
import dev.keelson.apiserver.patch.ModelSchema.Shape;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Builds OpenAPI v3 component schemas by walking fabric8 model classes, with Kubernetes' patch extensions. */
final class SchemaGenerator {
    static final Set<String> META = Set.of("ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement",
            "OwnerReference", "ManagedFieldsEntry", "DeleteOptions", "Preconditions", "Status", "StatusDetails",
            "StatusCause", "Condition", "FieldsV1", "MicroTime", "Time");
    private static final String PREFIX = "#/components/schemas/";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    private static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    private static final String PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

    private final Map<String, ObjectNode> schemas = new TreeMap<>();

    SchemaGenerator() {
        schemas.put(PATCH, object().put("description",
                "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body."));
    }

    ObjectNode schemas() {
        ObjectNode out = NODES.objectNode();
        schemas.forEach(out::set);
        return out;
    }

    /** Generates the schema of a top-level kind, tagging it with its group-version-kind; returns its $ref. */
    String topLevel(Class<?> cls, String group, String version, String kind) {
        String ref = ref(cls);
        ObjectNode schema = schemas.get(OpenApi.schemaName(cls));
        if (!schema.has("x-kubernetes-group-version-kind")) {
            schema.putArray("x-kubernetes-group-version-kind").addObject()
                    .put("group", group).put("version", version).put("kind", kind);
        }
        return ref;
    }

    /** Generates (once) the schema of a model class and returns its $ref. */
    String ref(Class<?> cls) {
        String name = OpenApi.schemaName(cls);
        if (!schemas.containsKey(name)) {
            ObjectNode schema = object();
            schemas.put(name, schema);
            String typeDescription = Descriptions.of(name, "");
            if (typeDescription != null) {
                schema.put("description", typeDescription);
            }
            Map<String, FieldSchema> fields = ModelSchema.fields(cls);
            if (fields.isEmpty()) {
                schema.put("x-kubernetes-preserve-unknown-fields", true);
            } else {
                ObjectNode props = schema.putObject("properties");
                fields.forEach((jsonName, fs) -> {
                    ObjectNode p = property(fs);
                    String d = Descriptions.of(name, jsonName);
                    if (d != null) {
                        p.put("description", d);
                    }
                    props.set(jsonName, p);
                });
            }
            if (ModelSchema.isAtomicStruct(cls)) {
                schema.put("x-kubernetes-map-type", "atomic");
            }
        }
        return PREFIX + name;
    }

    private ObjectNode property(FieldSchema fs) {
        ObjectNode p;
        switch (fs.shape()) {
            case LIST -> {
                p = NODES.objectNode().put("type", "array");
                p.set("items", valueSchema(fs.elementShape(), fs.valueClass()));
                if (fs.mergeList() && fs.mergeKey() != null) {
                    p.put("x-kubernetes-list-type", "map");
                    p.putArray("x-kubernetes-list-map-keys").add(fs.mergeKey());
                } else if (fs.mergeList()) {
                    p.put("x-kubernetes-list-type", "set");
                } else {
                    p.put("x-kubernetes-list-type", "atomic");
                }
            }
            case MAP -> {
                p = object();
                p.set("additionalProperties", valueSchema(fs.elementShape(), fs.valueClass()));
            }
            default -> p = valueSchema(fs.shape(), fs.valueClass());
        }
        if (fs.mergeKey() != null) {
            p.put("x-kubernetes-patch-merge-key", fs.mergeKey());
        }
        if (fs.patchStrategy() != null) {
            p.put("x-kubernetes-patch-strategy", fs.patchStrategy());
        }
        return p;
    }

    private ObjectNode valueSchema(Shape shape, Class<?> cls) {
        switch (shape) {
            case OBJECT:
                return allOf(ref(cls));
            case ANY:
                return object().put("x-kubernetes-preserve-unknown-fields", true);
            case LIST: {
                ObjectNode p = NODES.objectNode().put("type", "array");
                p.putObject("items").put("x-kubernetes-preserve-unknown-fields", true);
                return p;
            }
            case MAP:
                return object().put("x-kubernetes-preserve-unknown-fields", true);
            default:
                return scalar(cls);
        }
    }

    private ObjectNode scalar(Class<?> cls) {
        if (cls == IntOrString.class) {
            schemas.computeIfAbsent(INT_OR_STRING, k -> NODES.objectNode().put("type", "string")
                    .put("format", "int-or-string"));
            return allOf(PREFIX + INT_OR_STRING);
        }
        if (cls == Quantity.class) {
            schemas.computeIfAbsent(QUANTITY, k -> NODES.objectNode().put("type", "string"));
            return allOf(PREFIX + QUANTITY);
        }
        if (cls == Integer.class || cls == int.class || cls == Short.class) {
            return NODES.objectNode().put("type", "integer").put("format", "int32");
        }
        if (cls == Long.class || cls == long.class) {
            return NODES.objectNode().put("type", "integer").put("format", "int64");
        }
        if (cls == Boolean.class || cls == boolean.class) {
            return NODES.objectNode().put("type", "boolean");
        }
        if (cls == Double.class || cls == Float.class || cls == double.class) {
            return NODES.objectNode().put("type", "number").put("format", "double");
        }
        if (ModelSchema.isStringLike(cls) && cls != String.class) {
            return NODES.objectNode().put("type", "string").put("format", "date-time");
        }
        if (cls == byte[].class) {
            return NODES.objectNode().put("type", "string").put("format", "byte");
        }
        return NODES.objectNode().put("type", "string");
    }

    private static ObjectNode allOf(String ref) {
        ObjectNode p = NODES.objectNode();
        p.putArray("allOf").addObject().put("$ref", ref);
        p.putObject("default");
        return p;
    }

    private static ObjectNode object() {
        return NODES.objectNode().put("type", "object");
    }
}
