package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.validation.FieldError;
import java.util.List;
import java.util.stream.Collectors;

/** Test helpers: YAML/JSON literals and the one-line form of field errors (as kubectl prints them). */
final class Yaml {
    private Yaml() {}

    static ObjectNode obj(String yaml) {
        try {
            return (ObjectNode) Json.YAML.readTree(yaml);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static JsonNode node(String yaml) {
        try {
            return Json.YAML.readTree(yaml);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static List<String> lines(List<FieldError> errors) {
        return errors.stream().map(FieldError::describe).collect(Collectors.toList());
    }
}
