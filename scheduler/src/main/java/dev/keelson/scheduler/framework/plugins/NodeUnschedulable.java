package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.Tolerations;

/** Rejects cordoned nodes (spec.unschedulable) unless the pod tolerates the unschedulable taint. */
public final class NodeUnschedulable implements FilterPlugin {
    public static final String NAME = "NodeUnschedulable";
    public static final String REASON = "node(s) were unschedulable";
    static final String TAINT_KEY = "node.kubernetes.io/unschedulable";
    private static final FilterResult REJECTED = FilterResult.reject(NAME, REASON);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        if (!node.unschedulable() || Tolerations.anyTolerates(pod.tolerations(), TAINT_KEY, null, "NoSchedule")) {
            return null;
        }
        return REJECTED;
    }
}
