package dev.keelson.kubelet.runtime;

/** The Docker Engine did not answer: the node is NotReady and pod syncs retry later. */
public final class DockerUnavailableException extends RuntimeException {
    public DockerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
