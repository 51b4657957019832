package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;

/** A pod that names its node in spec.nodeName fits only that node. */
public final class NodeName implements FilterPlugin {
    public static final String NAME = "NodeName";
    public static final String REASON = "node(s) didn't match the requested node name";
    private static final FilterResult REJECTED = FilterResult.reject(NAME, REASON);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        String wanted = pod.requestedNodeName();
        return wanted == null || wanted.isEmpty() || wanted.equals(node.name()) ? null : REJECTED;
    }
}
