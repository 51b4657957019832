package dev.keelson.componentbase.client;

/** An API request answered with a non-success status (code 0 when no answer came at all). */
public final class ApiCallException extends RuntimeException {
    private final int code;

    public ApiCallException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
