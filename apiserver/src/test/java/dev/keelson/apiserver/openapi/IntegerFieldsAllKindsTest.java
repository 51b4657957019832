package dev.keelson.apiserver.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.patch.ModelSchema;
import dev.keelson.apiserver.patch.ModelSchema.FieldSchema;
import dev.keelson.apiserver.patch.ModelSchema.Shape;
import dev.keelson.apiserver.registry.PodStrategy;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ServiceStrategy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Over every registered kind and every integer field its model has (to depth 12): a value at the edge of the Go type
 * is accepted by the apiserver's decoding and decoded by the fabric8 model the components use, and one past it is
 * refused by the apiserver, because fabric8 could not decode it. So no object the apiserver accepts can stop an
 * informer on an integer field.
 */
class IntegerFieldsAllKindsTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

    record Case(ResourceType type, List<String> path, List<Shape> shapes, boolean int64) {
    }

    @Test
    void everyIntegerFieldOfEveryKindIsBoundedAsTheComponentsDecoderIs() throws Exception {
        Resources resources = Resources.builtIn(new PodStrategy(),
                new ServiceStrategy(null, "10.96.0.0/12", 30000, 32767));
        List<Case> cases = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            if (t.model() != null) {
                collect(t, t.model(), new ArrayList<>(), new ArrayList<>(), new HashSet<>(), cases);
            }
        }
        assertTrue(cases.size() > 100, "only " + cases.size() + " integer fields found");
        assertTrue(cases.stream().anyMatch(c -> String.join(".", c.path()).equals("spec.replicas")));
        for (Case c : cases) {
            BigInteger max = BigInteger.valueOf(c.int64() ? Long.MAX_VALUE : Integer.MAX_VALUE);
            ObjectNode edge = object(c, max);
            assertNull(IntegerFields.firstError(edge, c.type().model()), c.toString());
            Object decoded = FABRIC8.unmarshal(Json.text(edge), c.type().model());
            assertEquals(Json.text(edge).contains(max.toString()), Json.text(Json.MAPPER.valueToTree(decoded))
                    .contains(max.toString()), "fabric8 lost the value at " + c);

            ObjectNode over = object(c, max.add(BigInteger.ONE));
            assertNotNull(IntegerFields.firstError(over, c.type().model()), "accepted: " + c);
            assertThrows(RuntimeException.class, () -> FABRIC8.unmarshal(Json.text(over), c.type().model()),
                    "fabric8 decodes " + c + ": the apiserver refuses more than it must");
        }
    }

    private static void collect(ResourceType type, Class<?> cls, List<String> path, List<Shape> shapes,
                                Set<Class<?>> onPath, List<Case> out) {
        if (path.size() > 12 || !onPath.add(cls)) {
            return;
        }
        for (FieldSchema f : ModelSchema.fields(cls).values()) {
            List<String> p = new ArrayList<>(path);
            p.add(f.jsonName());
            List<Shape> s = new ArrayList<>(shapes);
            s.add(f.shape());
            Class<?> v = f.valueClass();
            boolean objectLike = f.shape() == Shape.OBJECT
                    || (f.shape() == Shape.LIST || f.shape() == Shape.MAP) && f.elementShape() == Shape.OBJECT;
            if (objectLike) {
                collect(type, v, p, s, onPath, out);
            } else if (f.shape() == Shape.SCALAR && (v == Integer.class || v == Long.class)) {
                out.add(new Case(type, p, s, v == Long.class));
            }
        }
        onPath.remove(cls);
    }

    /** An object of the kind with {@code value} at the case's path (one-element lists, one-key maps). */
    private static ObjectNode object(Case c, BigInteger value) {
        ObjectNode root = F.objectNode();
        ObjectNode at = root;
        for (int i = 0; i < c.path().size(); i++) {
            String name = c.path().get(i);
            if (i == c.path().size() - 1) {
                at.put(name, value);
                break;
            }
            ObjectNode next = F.objectNode();
            switch (c.shapes().get(i)) {
                case LIST -> at.putArray(name).add(next);
                case MAP -> at.putObject(name).set("k", next);
                default -> at.set(name, next);
            }
            at = next;
        }
        return root;
    }

}
