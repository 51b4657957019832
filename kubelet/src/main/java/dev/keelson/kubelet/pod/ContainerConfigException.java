package dev.keelson.kubelet.pod;

/** A container cannot be created from its spec as it stands (missing ConfigMap key, bad field path): CreateContainerConfigError. */
public final class ContainerConfigException extends RuntimeException {
    public ContainerConfigException(String message) {
        super(message);
    }
}
