package dev.keelson.kubelet.runtime;

/** The container runtime did not answer: the node is NotReady and pod syncs retry later. */
public final class RuntimeUnavailableException extends RuntimeException {
    public RuntimeUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
