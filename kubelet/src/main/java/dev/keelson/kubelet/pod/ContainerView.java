package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.ContainerRecord;
import java.util.List;

/**
 * What the kubelet observed of one container of the pod spec in this sync.
 *
 * @param attempts Docker containers for this name, newest first (at most the current and the previous one matter)
 * @param waitingReason why no container runs now (ErrImagePull, CrashLoopBackOff, ...), or null
 * @param ready the readiness result for the newest attempt when it runs
 * @param started the startup result for the newest attempt when it runs
 */
public record ContainerView(
        String name,
        String image,
        String imageId,
        List<ContainerRecord> attempts,
        String waitingReason,
        String waitingMessage,
        boolean ready,
        boolean started,
        String terminationMessage) {

    public ContainerRecord current() {
        return attempts.isEmpty() ? null : attempts.get(0);
    }

    public ContainerRecord previous() {
        return attempts.size() < 2 ? null : attempts.get(1);
    }
}
