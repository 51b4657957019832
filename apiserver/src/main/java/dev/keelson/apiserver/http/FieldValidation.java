package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.openapi.IntegerFields;
import dev.keelson.apiserver.openapi.UnknownFields;
import dev.keelson.apiserver.registry.ResourceType;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Decoding as strict as kube-apiserver's typed decoder, on every body that becomes a stored object: integer fields
 * must fit their Go type (always); fields the kind does not have are dropped (they would be by Go's decoder), and with
 * duplicate fields they are refused under {@code fieldValidation=Strict}, reported as {@code Warning} headers under
 * {@code Warn} (the default) and silent under {@code Ignore}.
 */
final class FieldValidation {
    enum Mode { IGNORE, WARN, STRICT }

    private FieldValidation() {
    }

    static Mode mode(HttpServerRequest req) {
        String mode = req.getParam("fieldValidation");
        if (mode == null || mode.isEmpty() || "Warn".equals(mode)) {
            return Mode.WARN;
        }
        if ("Strict".equals(mode)) {
            return Mode.STRICT;
        }
        if ("Ignore".equals(mode)) {
            return Mode.IGNORE;
        }
        throw ApiException.badRequest("fieldValidation: Unsupported value: \"" + mode
                + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
    }

    /**
     * Checks and cleans a decoded create or update body ({@code rawJson}: its JSON text, for duplicate fields; null
     * for other encodings); warnings are added to the response.
     */
    static void decoded(HttpServerRequest req, ObjectNode obj, ResourceType type, byte[] rawJson) {
        Mode mode = mode(req);
        if (type.model() == null) {
            return;
        }
        String prefix = type.kind() + " in version \"" + type.version() + "\" cannot be handled as a " + type.kind()
                + ": ";
        String intError = IntegerFields.firstError(obj, type.model());
        if (intError != null) {
            throw ApiException.badRequest(prefix + intError);
        }
        List<String> problems = new ArrayList<>();
        UnknownFields.prune(obj, type.model()).forEach(f -> problems.add("unknown field \"" + strip(f) + "\""));
        if (rawJson != null && mode != Mode.IGNORE) {
            UnknownFields.duplicates(rawJson).forEach(f -> problems.add("duplicate field \"" + strip(f) + "\""));
        }
        if (mode == Mode.STRICT && !problems.isEmpty()) {
            throw ApiException.badRequest(prefix + "strict decoding error: " + String.join(", ", problems));
        }
        if (mode == Mode.WARN) {
            problems.forEach(p -> warn(req, p));
        }
    }

    /**
     * Checks and cleans the object a patch produced: kube-apiserver decodes it into the typed object and answers a
     * failure as an invalid {@code patch} (422).
     */
    static void patched(HttpServerRequest req, ObjectNode obj, ResourceType type) {
        Mode mode = mode(req);
        if (type.model() == null) {
            return;
        }
        String intError = IntegerFields.firstError(obj, type.model());
        if (intError != null) {
            throw invalidPatch(obj, intError);
        }
        List<String> problems = new ArrayList<>();
        UnknownFields.prune(obj, type.model()).forEach(f -> problems.add("unknown field \"" + strip(f) + "\""));
        if (mode == Mode.STRICT && !problems.isEmpty()) {
            throw invalidPatch(obj, "strict decoding error: " + String.join(", ", problems));
        }
        if (mode == Mode.WARN) {
            problems.forEach(p -> warn(req, p));
        }
    }

    private static ApiException invalidPatch(ObjectNode obj, String why) {
        String value = "\"" + Json.text(obj).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        ObjectNode details = Json.MAPPER.createObjectNode();
        ObjectNode cause = details.putArray("causes").addObject();
        cause.put("reason", "FieldValueInvalid");
        cause.put("message", "Invalid value: " + value + ": " + why);
        cause.put("field", "patch");
        return new ApiException(422, "Invalid", " \"\" is invalid: patch: Invalid value: " + value + ": " + why,
                details);
    }

    /** Adds a Warning header once (a patch is applied again when its update loses a race). */
    private static void warn(HttpServerRequest req, String warning) {
        String header = "299 - \"" + warning.replace("\"", "\\\"") + "\"";
        if (!req.response().headers().getAll("Warning").contains(header)) {
            req.response().headers().add("Warning", header);
        }
    }

    private static String strip(String path) {
        return path.startsWith(".") ? path.substring(1) : path;
    }
}
