package dev.keelson.scheduler;

import dev.keelson.scheduler.cache.SchedulerCache;
import dev.keelson.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.Objects;

/**
 * Keeps the cache's nodes current; a new node, or a change that could let a pod fit (labels, taints,
 * cordon, allocatable, readiness), sends unschedulable pods back for another attempt. Heartbeat-only
 * status updates do not.
 */
final class NodeEventHandler implements ResourceEventHandler<Node> {
    private final SchedulerCache cache;
    private final SchedulingQueue queue;

    NodeEventHandler(SchedulerCache cache, SchedulingQueue queue) {
        this.cache = cache;
        this.queue = queue;
    }

    @Override
    public void onAdd(Node node) {
        cache.addOrUpdateNode(node);
        queue.moveAllToActiveOrBackoff();
    }

    @Override
    public void onUpdate(Node oldNode, Node node) {
        cache.addOrUpdateNode(node);
        if (schedulingRelevantChange(oldNode, node)) {
            queue.moveAllToActiveOrBackoff();
        }
    }

    @Override
    public void onDelete(Node node, boolean finalStateUnknown) {
        cache.removeNode(node.getMetadata().getName());
    }

    static boolean schedulingRelevantChange(Node a, Node b) {
        return !Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
                || !Objects.equals(a.getSpec(), b.getSpec())
                || !Objects.equals(a.getStatus() == null ? null : a.getStatus().getAllocatable(),
                        b.getStatus() == null ? null : b.getStatus().getAllocatable())
                || !Objects.equals(readyStatus(a), readyStatus(b));
    }

    private static String readyStatus(Node n) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return null;
        }
        for (NodeCondition c : n.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return c.getStatus();
            }
        }
        return null;
    }
}
