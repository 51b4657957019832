package dev.keelson.apiserver.apiextensions;

import static dev.keelson.apiserver.apiextensions.Yaml.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaDefaulterTest {
    private static final SchemaNode SCHEMA = SchemaNode.parse(obj("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  replicas: {type: integer, default: 1}
                  mode: {type: string, default: fast}
                  note: {type: string}
                  extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                  items:
                    type: array
                    items:
                      type: object
                      properties:
                        name: {type: string}
                        weight: {type: integer, default: 10}
                  template:
                    type: object
                    x-kubernetes-embedded-resource: true
                    properties:
                      spec: {type: object, properties: {a: {type: string}}}
            """));

    @Test
    void unknownFieldsArePrunedAndReported() {
        ObjectNode o = obj("{apiVersion: x.io/v1, kind: W, metadata: {name: w}, bogus: 1, spec: {note: n, junk: 2, "
                + "extra: {anything: [1]}, items: [{name: a, color: red}], template: {apiVersion: v1, kind: Pod, "
                + "metadata: {name: p}, spec: {a: x, b: y}}}}");
        List<String> unknown = SchemaDefaulter.prune(o, SCHEMA);
        assertEquals(List.of("bogus", "spec.items[0].color", "spec.junk", "spec.template.spec.b"), unknown);
        assertEquals(obj("{apiVersion: x.io/v1, kind: W, metadata: {name: w}, spec: {note: n, extra: {anything: [1]}, "
                + "items: [{name: a}], template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {a: x}}}}"), o);
    }

    @Test
    void defaultsFillAbsentFieldsAndNonNullableNulls() {
        ObjectNode o = obj("{spec: {mode: null, note: null, items: [{name: a}, {name: b, weight: 3}]}}");
        SchemaDefaulter.pruneAndDefault(o, SCHEMA);
        assertEquals(obj("{spec: {replicas: 1, mode: fast, items: [{name: a, weight: 10}, {name: b, weight: 3}]}}"), o);
    }

    @Test
    void objectsWithoutTheDefaultedParentStayAsTheyAre() {
        ObjectNode o = obj("{apiVersion: x.io/v1, kind: W}");
        SchemaDefaulter.pruneAndDefault(o, SCHEMA);
        assertEquals(obj("{apiVersion: x.io/v1, kind: W}"), o);
    }
}
