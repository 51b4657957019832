package dev.keelson.scheduler.binder;

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

    /** 404 or 409 on a binding: the pod is gone or already bound; the informer will say which. */
    public boolean podGoneOrBound() {
        return code == 404 || code == 409;
    }
}
