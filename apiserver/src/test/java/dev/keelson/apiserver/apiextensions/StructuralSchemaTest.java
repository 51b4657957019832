package dev.keelson.apiserver.apiextensions;

import static dev.keelson.apiserver.apiextensions.Yaml.lines;
import static dev.keelson.apiserver.apiextensions.Yaml.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.apiserver.validation.FieldPath;
import java.util.List;
import org.junit.jupiter.api.Test;

class StructuralSchemaTest {
    private static final FieldPath AT = FieldPath.of("spec").child("versions").index(0).child("schema");
    private static final String P = "spec.versions[0].schema.openAPIV3Schema";

    private static List<String> check(String yaml) {
        return lines(StructuralSchema.check(node(yaml), AT, false));
    }

    @Test
    void aStructuralSchemaWithEveryExtensionIsAccepted() {
        assertEquals(List.of(), check("""
                type: object
                properties:
                  metadata: {type: object, properties: {name: {type: string, maxLength: 20}}}
                  spec:
                    type: object
                    required: [size]
                    properties:
                      size: {type: integer, default: 3, minimum: 1}
                      port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                      raw: {type: object, x-kubernetes-preserve-unknown-fields: true}
                      labels: {type: object, additionalProperties: {type: string}}
                      mode: {type: string, enum: [a, b], default: a}
                      ports:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name]
                        items: {type: object, required: [name], properties: {name: {type: string}}}
                    anyOf:
                    - required: [size]
                    - properties: {port: {pattern: '^[0-9]+$'}}
                  status: {type: object, x-kubernetes-preserve-unknown-fields: true}
                """));
    }

    @Test
    void everyFieldNeedsAType() {
        assertEquals(List.of(P + ".properties[spec].properties[a].type: Required value: must not be empty for specified "
                + "object fields", P + ".properties[spec].properties[b].items: Required value: must be specified"),
                check("{type: object, properties: {spec: {type: object, properties: {a: {}, b: {type: array}}}}}"));
        assertEquals(List.of(P + ".type: Required value: must not be empty at the root"), check("{properties: {}}"));
        assertEquals(List.of(P + ".type: Invalid value: \"array\": must be object at the root", P
                + ".items: Required value: must be specified").stream().sorted().toList(), check("{type: array}"));
    }

    @Test
    void valueValidationsMayNotSpecifyStructure() {
        assertEquals(List.of(P + ".anyOf[0].description: Forbidden: must be empty to be structural",
                        P + ".anyOf[0].type: Forbidden: must be empty to be structural",
                        P + ".properties[b]: Required value: because it is defined in " + P + ".anyOf[0].properties[b]"),
                check("{type: object, properties: {a: {type: string}}, "
                        + "anyOf: [{type: object, description: d, properties: {b: {minLength: 1}}}]}"));
    }

    @Test
    void rootRestrictions() {
        assertEquals(List.of(P + ".additionalProperties: Forbidden: must not be used at the root"),
                check("{type: object, additionalProperties: {type: string}}"));
        assertEquals(List.of(P + ".properties[metadata]: Forbidden: must not specify anything other than name and "
                + "generateName, but metadata is implicitly specified"),
                check("{type: object, properties: {metadata: {type: object, properties: {labels: {type: object}}}}}"));
        assertEquals(List.of(P + ".properties[metadata].properties[name].default: Forbidden: must not be set in "
                + "top-level metadata"), check("{type: object, properties: {metadata: {type: object, properties: "
                + "{name: {type: string, default: x}}}}}"));
    }

    @Test
    void openApiFeaturesCrdsMayNotUse() {
        assertEquals(List.of(P + ".properties[a].$ref: Forbidden: $ref is not supported"),
                check("{type: object, properties: {a: {type: string, $ref: '#/x'}}}"));
        assertEquals(List.of(P + ".properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the "
                + "runtime complexity becomes quadratic"),
                check("{type: object, properties: {a: {type: array, items: {type: string}, uniqueItems: true}}}"));
        assertEquals(List.of(P + ".properties[a].type: Unsupported value: \"str\": supported values: \"array\", "
                + "\"boolean\", \"integer\", \"number\", \"object\", \"string\""),
                check("{type: object, properties: {a: {type: str}}}"));
        assertEquals(List.of(P + ".properties[a].additionalProperties: Forbidden: additionalProperties and properties "
                + "are mutual exclusive"), check("{type: object, properties: {a: {type: object, properties: "
                + "{b: {type: string}}, additionalProperties: {type: string}}}}"));
    }

    @Test
    void listMapKeysMustBeRequiredOrDefaulted() {
        assertEquals(List.of(P + ".properties[a].items.properties[k].default: Required value: this property is in "
                + "x-kubernetes-list-map-keys, so it must have a default or be a required property"),
                check("{type: object, properties: {a: {type: array, x-kubernetes-list-type: map, "
                        + "x-kubernetes-list-map-keys: [k], items: {type: object, properties: {k: {type: string}}}}}}"));
        assertEquals(List.of(P + ".properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if "
                + "x-kubernetes-list-type is map"), check("{type: object, properties: {a: {type: array, "
                + "x-kubernetes-list-type: map, items: {type: object}}}}"));
    }

    @Test
    void defaultsMustValidateAndSurvivePruning() {
        assertEquals(List.of(P + ".properties[a].default: Invalid value: \"string\":  in body must be of type integer: "
                + "\"string\""), check("{type: object, properties: {a: {type: integer, default: x}}}"));
        assertEquals(List.of(P + ".properties[a].default: Invalid value: map[string]interface {}{\"b\":1}: must not "
                + "have unknown fields"), check("{type: object, properties: {a: {type: object, default: {b: 1}}}}"));
    }

    @Test
    void statusSubresourceRestrictsTheRoot() {
        assertEquals(1, StructuralSchema.check(node("{type: object, required: [spec], properties: {spec: "
                + "{type: object}}, anyOf: [{required: [spec]}]}"), AT, true).size());
        assertEquals(List.of(), lines(StructuralSchema.check(node("{type: object, required: [spec], properties: "
                + "{spec: {type: object}}}"), AT, true)));
    }
}
