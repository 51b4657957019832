package dev.keelson.scheduler;

import dev.keelson.scheduler.cache.SchedulerCache;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.Objects;

/**
 * Routes pod informer events: pending pods of this scheduler go to the queue; bound pods go to the
 * cache (confirming assumptions); a pod leaving a node may make room, so unschedulable pods retry.
 * Finished pods (Succeeded/Failed) hold no resources and count as gone.
 */
final class PodEventHandler implements ResourceEventHandler<Pod> {
    private final String schedulerName;
    private final SchedulerCache cache;
    private final SchedulingQueue queue;

    PodEventHandler(String schedulerName, SchedulerCache cache, SchedulingQueue queue) {
        this.schedulerName = schedulerName;
        this.cache = cache;
        this.queue = queue;
    }

    static boolean assigned(Pod pod) {
        String n = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        return n != null && !n.isEmpty();
    }

    static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    boolean responsibleFor(Pod pod) {
        String name = pod.getSpec().getSchedulerName();
        String wanted = name == null || name.isEmpty() ? SchedulerOptions.DEFAULT_SCHEDULER_NAME : name;
        return wanted.equals(schedulerName) && pod.getMetadata().getDeletionTimestamp() == null && !terminal(pod);
    }

    @Override
    public void onAdd(Pod pod) {
        if (assigned(pod)) {
            if (!terminal(pod)) {
                cache.addOrUpdateBoundPod(PodInfo.of(pod), pod.getSpec().getNodeName());
            }
        } else if (responsibleFor(pod)) {
            queue.add(PodInfo.of(pod));
        }
    }

    @Override
    public void onUpdate(Pod oldPod, Pod pod) {
        String key = PodInfo.keyOf(pod);
        if (assigned(pod)) {
            queue.delete(key);
            if (terminal(pod)) {
                if (cache.isAssumedOrBound(key)) {
                    cache.removePod(key);
                    queue.moveAllToActiveOrBackoff();
                }
                return;
            }
            // requests and the node do not change once bound, so only the first sighting (or an assumption) needs work
            boolean known = assigned(oldPod) && Objects.equals(oldPod.getSpec().getNodeName(), pod.getSpec().getNodeName())
                    && cache.isAssumedOrBound(key) && !cache.isAssumed(key);
            if (!known) {
                cache.addOrUpdateBoundPod(PodInfo.of(pod), pod.getSpec().getNodeName());
            }
            return;
        }
        if (!responsibleFor(pod)) {
            queue.delete(key);
            return;
        }
        // our own PodScheduled condition writes change only status: nothing a new attempt would see
        if (Objects.equals(oldPod.getSpec(), pod.getSpec())
                && Objects.equals(oldPod.getMetadata().getLabels(), pod.getMetadata().getLabels())
                && queue.contains(key)) {
            return;
        }
        queue.update(PodInfo.of(pod));
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
        String key = PodInfo.keyOf(pod);
        queue.delete(key);
        if (cache.isAssumedOrBound(key)) {
            cache.removePod(key);
            queue.moveAllToActiveOrBackoff();
        }
    }
}
