package dev.keelson.scheduler.cache;

import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import io.fabric8.kubernetes.api.model.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The scheduler's view of node usage: every Node with the requests of the pods bound to it (from the
 * informer) and of the pods assumed onto it (chosen but not yet seen bound). Assuming makes the next
 * cycle see the capacity as taken before the bind round-trips; forgetting undoes a failed bind.
 * All methods lock this object; the scheduling cycle runs inside {@link #locked}.
 */
public final class SchedulerCache {
    private record PodState(PodInfo info, String nodeName, boolean assumed) {}

    private final Map<String, NodeInfo> nodes = new HashMap<>();
    /** Nodes with a Node object, in a stable order that the framework walks round-robin. */
    private final List<NodeInfo> schedulable = new ArrayList<>();
    private final Map<String, Integer> schedulableIndex = new HashMap<>();
    private final Map<String, PodState> pods = new HashMap<>();

    public synchronized <T> T locked(Function<List<NodeInfo>, T> cycle) {
        return cycle.apply(Collections.unmodifiableList(schedulable));
    }

    public synchronized void addOrUpdateNode(Node node) {
        String name = node.getMetadata().getName();
        NodeInfo info = nodes.computeIfAbsent(name, NodeInfo::new);
        info.setNode(node);
        if (!schedulableIndex.containsKey(name)) {
            schedulableIndex.put(name, schedulable.size());
            schedulable.add(info);
        }
    }

    public synchronized void removeNode(String name) {
        NodeInfo info = nodes.get(name);
        if (info == null) {
            return;
        }
        Integer idx = schedulableIndex.remove(name);
        if (idx != null) {
            NodeInfo last = schedulable.remove(schedulable.size() - 1);
            if (last != info) {
                schedulable.set(idx, last);
                schedulableIndex.put(last.name(), idx);
            }
        }
        info.clearNode();
        if (info.podCount() == 0) {
            nodes.remove(name);
        }
    }

    /** Counts the pod on the node before its binding is seen; the caller holds the lock from the cycle. */
    public synchronized void assume(PodInfo pod, String nodeName) {
        PodState existing = pods.get(pod.key());
        if (existing != null) {
            throw new IllegalStateException("pod " + pod.key() + " is already in the cache on " + existing.nodeName());
        }
        pods.put(pod.key(), new PodState(pod, nodeName, true));
        nodeFor(nodeName).addPod(pod);
    }

    /** Undoes {@link #assume} after a failed bind; a pod already seen bound stays. */
    public synchronized void forget(String podKey) {
        PodState state = pods.get(podKey);
        if (state != null && state.assumed()) {
            pods.remove(podKey);
            release(state);
        }
    }

    /** A pod seen bound to a node by the informer (confirms an assumption, or moves it to the real node). */
    public synchronized void addOrUpdateBoundPod(PodInfo pod, String nodeName) {
        PodState old = pods.get(pod.key());
        if (old != null) {
            release(old);
        }
        pods.put(pod.key(), new PodState(pod, nodeName, false));
        nodeFor(nodeName).addPod(pod);
    }

    public synchronized void removePod(String podKey) {
        PodState state = pods.remove(podKey);
        if (state != null) {
            release(state);
        }
    }

    public synchronized boolean isAssumedOrBound(String podKey) {
        return pods.containsKey(podKey);
    }

    public synchronized boolean isAssumed(String podKey) {
        PodState s = pods.get(podKey);
        return s != null && s.assumed();
    }

    public synchronized int nodeCount() {
        return schedulable.size();
    }

    public synchronized int podCount() {
        return pods.size();
    }

    /** A copy of one node's usage, for tests and diagnostics. */
    public synchronized NodeUsage usage(String nodeName) {
        NodeInfo n = nodes.get(nodeName);
        if (n == null) {
            return null;
        }
        return new NodeUsage(n.podCount(), n.requested().milliCpu, n.requested().memory, n.requested().ephemeralStorage,
                List.copyOf(n.usedPorts()));
    }

    public record NodeUsage(int pods, long milliCpu, long memory, long ephemeralStorage,
                            List<dev.keelson.scheduler.framework.HostPort> hostPorts) {}

    private NodeInfo nodeFor(String nodeName) {
        return nodes.computeIfAbsent(nodeName, NodeInfo::new);
    }

    private void release(PodState state) {
        NodeInfo n = nodes.get(state.nodeName());
        if (n == null) {
            return;
        }
        n.removePod(state.info());
        if (n.node() == null && n.podCount() == 0) {
            nodes.remove(state.nodeName());
        }
    }
}
