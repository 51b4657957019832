package dev.keelson.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.List;

/** Test helpers: objects written as relaxed JSON (single quotes, bare keys), defaulted then validated as the apiserver does. */
final class Objects {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(JsonParser.Feature.ALLOW_SINGLE_QUOTES, true)
            .configure(JsonParser.Feature.ALLOW_UNQUOTED_FIELD_NAMES, true);

    private Objects() {
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Defaults then validates a create, as the strategies do. */
    static List<FieldError> create(String apiVersion, String kind, String text) {
        ObjectNode obj = json(text);
        Defaults.apply(apiVersion, kind, obj);
        return Validation.validateCreate(apiVersion, kind, obj);
    }

    static List<FieldError> update(String apiVersion, String kind, String newText, String oldText) {
        ObjectNode obj = json(newText);
        ObjectNode old = json(oldText);
        Defaults.apply(apiVersion, kind, obj);
        Defaults.apply(apiVersion, kind, old);
        return Validation.validateUpdate(apiVersion, kind, obj, old);
    }

    static void assertValid(List<FieldError> errors) {
        assertEquals(List.of(), errors);
    }

    static void assertHas(List<FieldError> errors, String reason, String field, String message) {
        FieldError want = new FieldError(reason, field, message);
        assertTrue(errors.contains(want), () -> "expected " + want + "\n   but got " + errors);
    }

    /** The only error is the one given. */
    static void assertOnly(List<FieldError> errors, String reason, String field, String message) {
        assertEquals(List.of(new FieldError(reason, field, message)), errors);
    }
}
