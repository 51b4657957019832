package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScorePlugin;

/**
 * Prefers nodes with more cpu and memory left after placing the pod (Kubernetes' LeastAllocated
 * strategy, cpu and memory weighted equally, containers without requests counted at 100m / 200Mi).
 */
public final class LeastAllocated implements ScorePlugin {
    public static final String NAME = "LeastAllocated";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        long cpu = leastRequested(node.nonZeroMilliCpu() + pod.nonZeroMilliCpu(), node.allocatable().milliCpu);
        long mem = leastRequested(node.nonZeroMemory() + pod.nonZeroMemory(), node.allocatable().memory);
        return (cpu + mem) / 2;
    }

    static long leastRequested(long requested, long capacity) {
        if (capacity <= 0 || requested > capacity) {
            return 0;
        }
        return (capacity - requested) * MAX_NODE_SCORE / capacity;
    }
}
