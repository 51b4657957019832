package dev.keelson.kubelet.runtime;

/**
 * A container cannot be created from its spec as it stands (missing ConfigMap key, bad field path, a setting the
 * runtime refuses): CreateContainerConfigError.
 */
public final class ContainerConfigException extends RuntimeException {
    private final String reason;

    public ContainerConfigException(String message) {
        this("CreateContainerConfigError", message);
    }

    /** @param reason the container's waiting reason, e.g. CreateContainerError for a profile the runtime cannot load */
    public ContainerConfigException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
