package dev.keelson.componentbase.api;

/** A label or field selector that does not parse, or names a field the resource does not support. */
public final class SelectorException extends RuntimeException {
    public SelectorException(String message) {
        super(message);
    }
}
