package dev.keelson.kubelet.runtime;

/**
 * A container cannot be created from its spec as it stands (missing ConfigMap key, bad field path, a setting the
 * runtime refuses): CreateContainerConfigError.
 */
public final class ContainerConfigException extends RuntimeException {
    public ContainerConfigException(String message) {
        super(message);
    }
}
