package dev.keelson.scheduler.framework;

import dev.keelson.componentbase.api.Quantities;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One node as the scheduler sees it: the Node's allocatable, labels, taints and readiness, plus the
 * requests, host ports and owners of the pods bound or assumed to it. Mutated only by the cache.
 */
public final class NodeInfo {
    public enum Readiness { READY, NOT_READY, UNKNOWN }

    private final String name;
    private Node node;
    private Map<String, String> labels = Map.of();
    private List<Taint> taints = List.of();
    private boolean unschedulable;
    private Readiness readiness = Readiness.UNKNOWN;
    private ResourceVector allocatable = new ResourceVector();
    private long allocatablePods;

    private final ResourceVector requested = new ResourceVector();
    private long nonZeroMilliCpu;
    private long nonZeroMemory;
    private int podCount;
    private final List<HostPort> usedPorts = new ArrayList<>(0);
    private final Map<String, Integer> ownerCounts = new HashMap<>();

    public NodeInfo(String name) {
        this.name = name;
    }

    public static NodeInfo of(Node node) {
        NodeInfo info = new NodeInfo(node.getMetadata().getName());
        info.setNode(node);
        return info;
    }

    public void setNode(Node node) {
        this.node = node;
        this.labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        this.taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
        this.unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        Map<String, Quantity> alloc = node.getStatus() == null ? null : node.getStatus().getAllocatable();
        if (alloc == null || alloc.isEmpty()) {
            alloc = node.getStatus() == null ? null : node.getStatus().getCapacity();
        }
        this.allocatable = ResourceVector.of(alloc);
        this.allocatablePods = alloc != null && alloc.containsKey("pods") ? Quantities.value(alloc.get("pods")) : 0;
        this.readiness = readinessOf(node);
    }

    public void clearNode() {
        this.node = null;
    }

    static Readiness readinessOf(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return Readiness.UNKNOWN;
        }
        for (NodeCondition c : node.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return switch (c.getStatus() == null ? "" : c.getStatus()) {
                    case "True" -> Readiness.READY;
                    case "False" -> Readiness.NOT_READY;
                    default -> Readiness.UNKNOWN;
                };
            }
        }
        return Readiness.UNKNOWN;
    }

    public void addPod(PodInfo pod) {
        requested.add(pod.request());
        nonZeroMilliCpu += pod.nonZeroMilliCpu();
        nonZeroMemory += pod.nonZeroMemory();
        podCount++;
        usedPorts.addAll(pod.hostPorts());
        if (pod.ownerUid() != null) {
            ownerCounts.merge(pod.ownerUid(), 1, Integer::sum);
        }
    }

    public void removePod(PodInfo pod) {
        requested.subtract(pod.request());
        nonZeroMilliCpu -= pod.nonZeroMilliCpu();
        nonZeroMemory -= pod.nonZeroMemory();
        podCount--;
        for (HostPort p : pod.hostPorts()) {
            usedPorts.remove(p);
        }
        if (pod.ownerUid() != null) {
            ownerCounts.computeIfPresent(pod.ownerUid(), (k, v) -> v == 1 ? null : v - 1);
        }
    }

    public String name() { return name; }
    /** Null while pods are known on a node whose Node object is not (or no longer) seen. */
    public Node node() { return node; }
    public Map<String, String> labels() { return labels; }
    public List<Taint> taints() { return taints; }
    public boolean unschedulable() { return unschedulable; }
    public Readiness readiness() { return readiness; }
    public ResourceVector allocatable() { return allocatable; }
    public long allocatablePods() { return allocatablePods; }
    public ResourceVector requested() { return requested; }
    public long nonZeroMilliCpu() { return nonZeroMilliCpu; }
    public long nonZeroMemory() { return nonZeroMemory; }
    public int podCount() { return podCount; }
    public List<HostPort> usedPorts() { return usedPorts; }
    public int podsOfOwner(String ownerUid) {
        return ownerUid == null ? 0 : ownerCounts.getOrDefault(ownerUid, 0);
    }
}
