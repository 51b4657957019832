package dev.keelson.apiserver;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.validation.FieldError;
import java.util.List;

/**
 * A request that failed in a way the client must be told about; rendered once, at the HTTP edge, as a
 * Kubernetes {@code Status} with code, reason, message and details.
 */
public final class ApiException extends RuntimeException {
    private final int code;
    private final String reason;
    private final ObjectNode details;

    public ApiException(int code, String reason, String message, ObjectNode details) {
        super(message);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public ObjectNode details() {
        return details;
    }

    /** {@code deployments.apps} for a grouped resource, {@code pods} for core. */
    public static String qualified(String resource, String group) {
        return group == null || group.isEmpty() ? resource : resource + "." + group;
    }

    private static ObjectNode details(String name, String group, String kind) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        if (name != null) {
            d.put("name", name);
        }
        if (group != null && !group.isEmpty()) {
            d.put("group", group);
        }
        if (kind != null) {
            d.put("kind", kind);
        }
        return d;
    }

    public static ApiException notFound(String group, String resource, String name) {
        return new ApiException(404, "NotFound", qualified(resource, group) + " \"" + name + "\" not found",
                details(name, group, resource));
    }

    public static ApiException alreadyExists(String group, String resource, String name) {
        return new ApiException(409, "AlreadyExists", qualified(resource, group) + " \"" + name + "\" already exists",
                details(name, group, resource));
    }

    public static ApiException conflict(String group, String resource, String name, String why) {
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + qualified(resource, group)
                + " \"" + name + "\": " + why, details(name, group, resource));
    }

    public static ApiException staleObject(String group, String resource, String name) {
        return conflict(group, resource, name,
                "the object has been modified; please apply your changes to the latest version and try again");
    }

    /** 422 with one cause per field error; kubectl prints "The Kind "name" is invalid: field: message". */
    public static ApiException invalid(String group, String kind, String name, List<FieldError> errors) {
        ObjectNode d = details(name, group, kind);
        ArrayNode causes = d.putArray("causes");
        StringBuilder msg = new StringBuilder();
        for (FieldError e : errors) {
            ObjectNode c = causes.addObject();
            c.put("reason", e.reason());
            c.put("message", e.message());
            c.put("field", e.field());
            msg.append(msg.length() == 0 ? "" : ", ").append(e.field()).append(": ").append(e.message());
        }
        String qualifiedKind = group == null || group.isEmpty() ? kind : kind + "." + group;
        String text = qualifiedKind + " \"" + (name == null ? "" : name) + "\" is invalid: "
                + (errors.size() == 1 ? msg : "[" + msg + "]");
        return new ApiException(422, "Invalid", text, d);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message, null);
    }

    public static ApiException forbidden(String group, String resource, String name, String why) {
        String target = qualified(resource, group) + (name == null ? "" : " \"" + name + "\"");
        return new ApiException(403, "Forbidden", target + " is forbidden: " + why, details(name, group, resource));
    }

    public static ApiException methodNotAllowed(String message) {
        return new ApiException(405, "MethodNotAllowed", message, null);
    }

    public static ApiException gone(String message) {
        return new ApiException(410, "Expired", message, null);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "RequestEntityTooLarge", message, null);
    }

    public static ApiException unsupportedMediaType(String contentType) {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                + "accepted media types include: application/json, application/yaml, "
                + "application/vnd.kubernetes.protobuf (got " + contentType + ")", null);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "Unauthorized", "Unauthorized", null);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "InternalError", "Internal error occurred: " + message, null);
    }

    public static ApiException tooManyRequests(String message) {
        return new ApiException(429, "TooManyRequests", message, null);
    }

    public static ApiException serviceUnavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message, null);
    }

    /** The Status object for this error. */
    public ObjectNode toStatus() {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", getMessage());
        if (reason != null && !reason.isEmpty()) {
            s.put("reason", reason);
        }
        if (details != null && !details.isEmpty()) {
            s.set("details", details);
        }
        s.put("code", code);
        return s;
    }
}
