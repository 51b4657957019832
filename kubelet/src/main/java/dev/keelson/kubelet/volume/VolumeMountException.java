package dev.keelson.kubelet.volume;

/**
 * A volume cannot be set up yet or at all (a claim not bound, a hostPath of the wrong type): the pod stays in
 * ContainerCreating with a FailedMount event, and the kubelet tries again on the next sync, as Kubernetes does.
 */
public final class VolumeMountException extends RuntimeException {
    public VolumeMountException(String message) {
        super(message);
    }
}
