package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.HostPort;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import java.util.List;

/** Rejects nodes where a host port the pod wants is already taken by another pod on that node. */
public final class NodePorts implements FilterPlugin {
    public static final String NAME = "NodePorts";
    public static final String REASON = "node(s) didn't have free ports for the requested pod ports";
    private static final FilterResult REJECTED = FilterResult.reject(NAME, REASON);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        List<HostPort> wanted = pod.hostPorts();
        List<HostPort> used = node.usedPorts();
        for (int i = 0; i < wanted.size(); i++) {
            for (int j = 0; j < used.size(); j++) {
                if (wanted.get(i).conflictsWith(used.get(j))) {
                    return REJECTED;
                }
            }
        }
        return null;
    }
}
