package dev.keelson.apiserver.patch;

/** A patch that cannot be applied to the object: malformed, or a JSON-patch operation that fails (422/400). */
public class PatchException extends RuntimeException {
    public PatchException(String message) {
        super(message);
    }
}
