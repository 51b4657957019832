package dev.keelson.kubelet.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * What Docker knows about one container of a pod, read back through its labels.
 *
 * @param startedAt null when the container never started
 * @param finishedAt null while it runs or when it never ran
 */
public record ContainerRecord(
        String id,
        String kind,
        String containerName,
        int restartCount,
        String state,
        int exitCode,
        boolean oomKilled,
        String error,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        String image,
        String imageId,
        String ipAddress,
        Map<String, String> labels) {

    public boolean running() {
        return "running".equals(state);
    }

    /**
     * Exited, dead, or created but never started: the kubelet creates and starts in one sync, so a container
     * still "created" at the next look failed to start.
     */
    public boolean exited() {
        return "exited".equals(state) || "dead".equals(state) || "created".equals(state);
    }

    public String dockerId() {
        return "docker://" + id;
    }
}
