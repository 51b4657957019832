package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.patch.ModelSchema;
import dev.keelson.apiserver.patch.ModelSchema.FieldSchema;
import dev.keelson.apiserver.patch.ModelSchema.Shape;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Integer fields whose value the Go types of k8s.io/api cannot hold: the fabric8 model says Integer (int32) or Long
 * (int64) for each, so every typed field of every kind is checked, not a list kept by hand. kube-apiserver's decoder
 * refuses such a body; storing it would break every client's decoder (a Deployment with {@code replicas: 2147483648}
 * stopped the deployment informer). The message is the one Go's decoder gives.
 */
public final class IntegerFields {
    private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private IntegerFields() {
    }

    /** The first integer field of {@code body} its Go type cannot hold, as Go's json decoder words it, or null. */
    public static String firstError(JsonNode body, Class<?> modelClass) {
        if (modelClass == null || !ModelSchema.isModelClass(modelClass)) {
            return null;
        }
        return walk(body, modelClass, "");
    }

    private static String walk(JsonNode node, Class<?> cls, String path) {
        if (!node.isObject() || UnknownFields.opaque(cls)) {
            return null;
        }
        Map<String, FieldSchema> fields = ModelSchema.fields(cls);
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldSchema fs = fields.get(e.getKey());
            if (fs == null) {
                continue;
            }
            String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            String error = value(e.getValue(), fs.shape(), fs.valueClass(), fs.elementShape(), cls, child);
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    private static String value(JsonNode v, Shape shape, Class<?> valueClass, Shape elementShape, Class<?> owner,
                                String path) {
        switch (shape) {
            case OBJECT -> {
                return walk(v, valueClass, path);
            }
            case SCALAR -> {
                return scalar(v, valueClass, owner, path);
            }
            case LIST, MAP -> {
                if (elementShape != Shape.OBJECT && elementShape != Shape.SCALAR || !(v.isArray() || v.isObject())) {
                    return null;
                }
                Iterator<JsonNode> elements = v.elements();
                while (elements.hasNext()) {
                    String error = value(elements.next(), elementShape, valueClass, null, owner, path);
                    if (error != null) {
                        return error;
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private static String scalar(JsonNode v, Class<?> javaType, Class<?> owner, String path) {
        String goType = javaType == Integer.class || javaType == int.class ? "int32"
                : javaType == Long.class || javaType == long.class ? "int64" : null;
        if (goType == null || v.isNull()) {
            return null;
        }
        String what;
        if (v.isNumber()) {
            if (v.isIntegralNumber()) {
                BigInteger n = v.bigIntegerValue();
                boolean fits = goType.equals("int32")
                        ? n.compareTo(INT32_MIN) >= 0 && n.compareTo(INT32_MAX) <= 0
                        : n.compareTo(INT64_MIN) >= 0 && n.compareTo(INT64_MAX) <= 0;
                if (fits) {
                    return null;
                }
            }
            what = "number " + (v.isBigDecimal() ? v.decimalValue().toString() : v.asText());
        } else {
            what = v.isTextual() ? "string" : v.isBoolean() ? "bool" : v.isArray() ? "array" : "object";
        }
        return "json: cannot unmarshal " + what + " into Go struct field " + owner.getSimpleName() + "." + path
                + " of type " + goType;
    }
}
