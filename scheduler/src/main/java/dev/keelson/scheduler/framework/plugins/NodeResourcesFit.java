package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ResourceVector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Does the node have room: pod count against allocatable pods, and the pod's effective cpu, memory,
 * ephemeral-storage and extended-resource requests against allocatable minus what its pods request.
 */
public final class NodeResourcesFit implements FilterPlugin {
    public static final String NAME = "NodeResourcesFit";
    public static final String TOO_MANY_PODS = "Too many pods";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        List<String> reasons = null;
        if (node.podCount() + 1 > node.allocatablePods()) {
            reasons = add(null, TOO_MANY_PODS);
        }
        ResourceVector want = pod.request();
        if (want.isZero()) {
            return reasons == null ? null : new FilterResult(NAME, reasons);
        }
        ResourceVector alloc = node.allocatable();
        ResourceVector used = node.requested();
        if (want.milliCpu > 0 && alloc.milliCpu < want.milliCpu + used.milliCpu) {
            reasons = add(reasons, "Insufficient cpu");
        }
        if (want.memory > 0 && alloc.memory < want.memory + used.memory) {
            reasons = add(reasons, "Insufficient memory");
        }
        if (want.ephemeralStorage > 0 && alloc.ephemeralStorage < want.ephemeralStorage + used.ephemeralStorage) {
            reasons = add(reasons, "Insufficient ephemeral-storage");
        }
        for (Map.Entry<String, Long> e : want.scalarsOrEmpty().entrySet()) {
            if (e.getValue() > 0 && alloc.scalar(e.getKey()) < e.getValue() + used.scalar(e.getKey())) {
                reasons = add(reasons, "Insufficient " + e.getKey());
            }
        }
        return reasons == null ? null : new FilterResult(NAME, reasons);
    }

    private static List<String> add(List<String> reasons, String reason) {
        List<String> r = reasons == null ? new ArrayList<>(2) : reasons;
        r.add(reason);
        return r;
    }
}
