package dev.keelson.apiserver.apiextensions;

import static dev.keelson.apiserver.apiextensions.Yaml.lines;
import static dev.keelson.apiserver.apiextensions.Yaml.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.apiserver.validation.FieldError;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemaValidatorTest {
    private static final SchemaNode WIDGET = SchemaNode.parse(obj("""
            type: object
            properties:
              spec:
                type: object
                required: [image]
                properties:
                  image: {type: string, minLength: 2, maxLength: 10, pattern: '^[a-z]+$'}
                  replicas: {type: integer, minimum: 0, maximum: 10, format: int32}
                  ratio: {type: number, exclusiveMinimum: true, minimum: 0, multipleOf: 0.5}
                  color: {type: string, enum: [red, blue]}
                  port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                  when: {type: string, format: date-time}
                  note: {type: string, nullable: true}
                  tags:
                    type: array
                    minItems: 1
                    maxItems: 3
                    items: {type: string}
                    x-kubernetes-list-type: set
                  ports:
                    type: array
                    x-kubernetes-list-type: map
                    x-kubernetes-list-map-keys: [name]
                    items:
                      type: object
                      required: [name]
                      properties:
                        name: {type: string}
                        port: {type: integer}
                  labels:
                    type: object
                    additionalProperties: {type: string}
                  template:
                    type: object
                    x-kubernetes-embedded-resource: true
                    x-kubernetes-preserve-unknown-fields: true
            """));

    private static List<String> errors(String spec) {
        return lines(SchemaValidator.validate(WIDGET, obj("apiVersion: x.io/v1\nkind: Widget\nmetadata: {name: w}\n"
                + "spec: " + spec)));
    }

    @Test
    void validObjectHasNoErrors() {
        assertEquals(List.of(), errors("{image: nginx, replicas: 3, ratio: 1.5, color: red, port: http, "
                + "when: '2024-01-02T03:04:05Z', note: null, tags: [a, b], ports: [{name: a, port: 1}, {name: b}], "
                + "labels: {a: b}, template: {apiVersion: v1, kind: Pod, spec: {x: 1}}}"));
        assertEquals(List.of(), errors("{image: nginx, port: 8080, replicas: 2.0}"));
    }

    @Test
    void typeErrorsNameTheFieldAndTheTypeFound() {
        assertEquals(List.of("spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: "
                + "\"string\""), errors("{image: nginx, replicas: three}"));
        assertEquals(List.of("spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: "
                + "\"boolean\""), errors("{image: nginx, port: true}").subList(0, 1));
        assertEquals(List.of("spec.labels.a: Invalid value: \"integer\": spec.labels.a in body must be of type string: "
                + "\"integer\""), errors("{image: nginx, labels: {a: 1}}"));
        assertEquals(FieldError.TYPE_INVALID, SchemaValidator.validate(WIDGET, obj("spec: {image: 1}")).get(0).reason());
    }

    @Test
    void requiredEnumAndStringRules() {
        assertEquals(List.of("spec.image: Required value"), errors("{replicas: 1}"));
        assertEquals(List.of("spec.color: Unsupported value: \"green\": supported values: \"red\", \"blue\""),
                errors("{image: nginx, color: green}"));
        assertEquals(List.of("spec.image: Too long: may not be more than 10 bytes"), errors("{image: abcdefghijkl}"));
        assertEquals(List.of("spec.image: Invalid value: \"a\": spec.image in body should be at least 2 chars long"),
                errors("{image: a}"));
        assertEquals(List.of("spec.image: Invalid value: \"Nginx\": spec.image in body should match '^[a-z]+$'"),
                errors("{image: Nginx}"));
        assertEquals(List.of("spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: "
                + "\"yesterday\""), errors("{image: nginx, when: yesterday}"));
    }

    @Test
    void numberAndArrayBounds() {
        assertEquals(List.of("spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10"),
                errors("{image: nginx, replicas: 11}"));
        assertEquals(List.of("spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal "
                + "to 0"), errors("{image: nginx, replicas: -1}"));
        assertEquals(List.of("spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0"),
                errors("{image: nginx, ratio: 0}"));
        assertEquals(List.of("spec.ratio: Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5"),
                errors("{image: nginx, ratio: 0.7}"));
        assertEquals(List.of("spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"),
                errors("{image: nginx, tags: []}"));
        assertEquals(List.of("spec.tags: Too many: 4: must have at most 3 items"), errors("{image: nginx, tags: [a,b,c,d]}"));
    }

    @Test
    void nullIsRefusedUnlessNullable() {
        assertEquals(List.of("spec.image: Invalid value: \"null\": spec.image in body must be of type string: \"null\""),
                errors("{image: null}"));
        assertEquals(List.of("spec.tags[0]: Invalid value: \"null\": spec.tags[0] in body must be of type string: "
                + "\"null\""), errors("{image: nginx, tags: [null]}"));
    }

    @Test
    void listSetsAndMapsRefuseDuplicates() {
        assertEquals(List.of("spec.tags[2]: Duplicate value: \"a\""), errors("{image: nginx, tags: [a, b, a]}"));
        assertEquals(List.of("spec.ports[1]: Duplicate value: map[string]interface {}{\"name\":\"a\"}"),
                errors("{image: nginx, ports: [{name: a, port: 1}, {name: a, port: 2}]}"));
    }

    @Test
    void embeddedResourcesNeedApiVersionAndKind() {
        assertEquals(List.of("spec.template.apiVersion: Required value", "spec.template.kind: Required value"),
                errors("{image: nginx, template: {spec: {}}}"));
    }

    @Test
    void runawayPatternsStopAndCountAsNoMatch() {
        SchemaNode s = SchemaNode.parse(obj("{type: object, properties: {a: {type: string, pattern: '^(a+)+$'}}}"));
        List<FieldError> e = SchemaValidator.validate(s, obj("{a: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab}"));
        assertEquals(1, e.size());
        assertEquals("a", e.get(0).field());
    }
}
