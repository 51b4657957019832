package dev.keelson.apiserver.validation;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One field-level validation failure, shaped like a Kubernetes Status cause: {@code reason} is the CauseType,
 * {@code field} the JSON path and {@code message} the text of Kubernetes' {@code field.Error.ErrorBody()}.
 */
public record FieldError(String reason, String field, String message) {

    public static final String INVALID = "FieldValueInvalid";
    public static final String REQUIRED = "FieldValueRequired";
    public static final String NOT_SUPPORTED = "FieldValueNotSupported";
    public static final String DUPLICATE = "FieldValueDuplicate";
    public static final String FORBIDDEN = "FieldValueForbidden";
    public static final String TOO_LONG = "FieldValueTooLong";
    public static final String TOO_MANY = "FieldValueTooMany";
    public static final String NOT_FOUND = "FieldValueNotFound";
    public static final String TYPE_INVALID = "FieldValueTypeInvalid";

    /** The line Kubernetes prints for this error: {@code field: message}. */
    public String describe() {
        return field + ": " + message;
    }

    static FieldError invalid(FieldPath path, Object value, String detail) {
        return new FieldError(INVALID, path.toString(), withDetail("Invalid value: " + GoValues.render(value), detail));
    }

    static FieldError typeInvalid(FieldPath path, Object value, String detail) {
        return new FieldError(TYPE_INVALID, path.toString(), withDetail("Invalid value: " + GoValues.render(value), detail));
    }

    static FieldError required(FieldPath path, String detail) {
        return new FieldError(REQUIRED, path.toString(), withDetail("Required value", detail));
    }

    static FieldError forbidden(FieldPath path, String detail) {
        return new FieldError(FORBIDDEN, path.toString(), withDetail("Forbidden", detail));
    }

    static FieldError duplicate(FieldPath path, Object value) {
        return new FieldError(DUPLICATE, path.toString(), "Duplicate value: " + GoValues.render(value));
    }

    static FieldError notFound(FieldPath path, Object value) {
        return new FieldError(NOT_FOUND, path.toString(), "Not found: " + GoValues.render(value));
    }

    static FieldError notSupported(FieldPath path, Object value, List<String> supported) {
        String detail = supported.isEmpty() ? "" : "supported values: "
                + supported.stream().map(GoValues::quote).collect(Collectors.joining(", "));
        return new FieldError(NOT_SUPPORTED, path.toString(), withDetail("Unsupported value: " + GoValues.render(value), detail));
    }

    static FieldError tooLong(FieldPath path, int maxBytes) {
        return new FieldError(TOO_LONG, path.toString(), "Too long: may not be more than " + maxBytes + " bytes");
    }

    static FieldError tooMany(FieldPath path, int actual, int max) {
        return new FieldError(TOO_MANY, path.toString(), "Too many: " + actual + ": must have at most " + max + " items");
    }

    private static String withDetail(String head, String detail) {
        return detail == null || detail.isEmpty() ? head : head + ": " + detail;
    }
}
