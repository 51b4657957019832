package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScorePlugin;

/**
 * Prefers nodes whose cpu and memory would be used in similar proportions after placing the pod:
 * score = (1 - standard deviation of the two requested fractions) * 100, as Kubernetes computes it.
 */
public final class BalancedAllocation implements ScorePlugin {
    public static final String NAME = "BalancedAllocation";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        long cpuAlloc = node.allocatable().milliCpu;
        long memAlloc = node.allocatable().memory;
        if (cpuAlloc <= 0 || memAlloc <= 0) {
            // with fewer than two resources there is nothing to balance
            return MAX_NODE_SCORE;
        }
        double cpu = Math.min(1.0, (double) (node.requested().milliCpu + pod.request().milliCpu) / cpuAlloc);
        double mem = Math.min(1.0, (double) (node.requested().memory + pod.request().memory) / memAlloc);
        double std = Math.abs(cpu - mem) / 2;
        return (long) ((1 - std) * MAX_NODE_SCORE);
    }
}
