package dev.keelson.apiserver.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.registry.PodStrategy;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ServiceStrategy;
import dev.keelson.apiserver.registry.Strategy;
import java.io.UncheckedIOException;
import java.util.List;

/** Test helpers: objects written as relaxed JSON (single quotes, bare keys), defaulted then validated as the apiserver does. */
final class Objects {
    private static final Resources KINDS = Resources.builtIn(new PodStrategy(),
            new ServiceStrategy(null, "10.96.0.0/12", 30000, 32767));

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

    /** The strategy of a built-in kind, as the apiserver registers it. */
    static Strategy strategy(String apiVersion, String kind) {
        ResourceType type = KINDS.byKind(apiVersion, kind);
        assertNotNull(type, () -> "no built-in kind " + apiVersion + " " + kind);
        return type.strategy();
    }

    /** Defaults then validates a create, as the generic store does through the kind's strategy. */
    static List<FieldError> create(String apiVersion, String kind, String text) {
        ObjectNode obj = json(text);
        Strategy s = strategy(apiVersion, kind);
        s.defaults(obj);
        return s.validate(obj);
    }

    static List<FieldError> update(String apiVersion, String kind, String newText, String oldText) {
        ObjectNode obj = json(newText);
        ObjectNode old = json(oldText);
        Strategy s = strategy(apiVersion, kind);
        s.defaults(obj);
        s.defaults(old);
        return s.validateUpdate(obj, old);
    }

    /** Runs one validation function of this package on its own. */
    static List<FieldError> errors(java.util.function.Consumer<Errs> validation) {
        Errs e = new Errs();
        validation.accept(e);
        return e.distinct();
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
