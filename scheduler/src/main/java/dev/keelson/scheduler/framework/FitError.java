package dev.keelson.scheduler.framework;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * No node fits: how many nodes there were and how often each reason was given. Its message is
 * Kubernetes' "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory."
 */
public record FitError(int numAllNodes, Map<String, Integer> reasonCounts, String preFilterMessage) {
    public static final String NO_NODES = "no nodes available to schedule pods";

    public FitError(int numAllNodes, Map<String, Integer> reasonCounts) {
        this(numAllNodes, reasonCounts, null);
    }

    /** A pre-filter refused the pod: "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." */
    public static FitError preFilter(int numAllNodes, String message) {
        return new FitError(numAllNodes, Map.of(), message);
    }

    public String message() {
        if (numAllNodes == 0) {
            return NO_NODES;
        }
        StringBuilder sb = new StringBuilder("0/").append(numAllNodes).append(" nodes are available:");
        if (preFilterMessage != null) {
            return sb.append(' ').append(preFilterMessage).append('.').toString();
        }
        List<String> parts = new ArrayList<>(reasonCounts.size());
        reasonCounts.forEach((reason, count) -> parts.add(count + " " + reason));
        // Kubernetes sorts the "<count> <reason>" strings byte-wise (Go's sort.Strings)
        Collections.sort(parts);
        if (!parts.isEmpty()) {
            sb.append(' ').append(String.join(", ", parts)).append('.');
        }
        return sb.toString();
    }
}
