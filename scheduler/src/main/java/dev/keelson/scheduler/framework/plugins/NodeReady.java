package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.Tolerations;

/**
 * Keeps pods off nodes whose Ready condition is not True. Kubernetes does this through the
 * node.kubernetes.io/not-ready and /unreachable NoSchedule taints that the node lifecycle controller adds;
 * this plugin applies the same taints from the condition itself, so the message and the tolerations
 * that let DaemonSet-like pods through are the same even before (or without) that controller.
 */
public final class NodeReady implements FilterPlugin {
    public static final String NAME = "NodeReady";
    public static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
    public static final String UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";
    private static final FilterResult NOT_READY = FilterResult.reject(NAME, TaintToleration.untoleratedReason(NOT_READY_TAINT, ""));
    private static final FilterResult UNREACHABLE = FilterResult.reject(NAME, TaintToleration.untoleratedReason(UNREACHABLE_TAINT, ""));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        return switch (node.readiness()) {
            case READY -> null;
            case NOT_READY -> Tolerations.anyTolerates(pod.tolerations(), NOT_READY_TAINT, null, "NoSchedule") ? null : NOT_READY;
            case UNKNOWN -> Tolerations.anyTolerates(pod.tolerations(), UNREACHABLE_TAINT, null, "NoSchedule") ? null : UNREACHABLE;
        };
    }
}
