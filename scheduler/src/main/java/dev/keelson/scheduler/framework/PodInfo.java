package dev.keelson.scheduler.framework;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the plugins need to know about one pod, computed once per pod object: its effective requests
 * (Kubernetes' max(sum of app containers + sidecars, largest init container) + overhead), the
 * non-zero requests used for scoring, host ports, tolerations and compiled node affinity.
 */
public final class PodInfo {
    /** Kubernetes' defaults for containers without a request, used only for scoring. */
    public static final long DEFAULT_MILLI_CPU_REQUEST = 100;
    public static final long DEFAULT_MEMORY_REQUEST = 200L * 1024 * 1024;

    public record PreferredTerm(int weight, NodeSelectorMatcher matcher) {}

    private final Pod pod;
    private final String key;
    private final int priority;
    private final ResourceVector request;
    private final long nonZeroMilliCpu;
    private final long nonZeroMemory;
    private final List<HostPort> hostPorts;
    private final List<Toleration> tolerations;
    private final Map<String, String> nodeSelector;
    private final List<NodeSelectorMatcher> requiredTerms;
    private final List<PreferredTerm> preferredTerms;
    private final String ownerUid;

    private PodInfo(Pod pod) {
        this.pod = pod;
        this.key = keyOf(pod);
        PodSpec spec = pod.getSpec();
        this.priority = spec.getPriority() == null ? 0 : spec.getPriority();
        this.request = effectiveRequest(spec, false);
        ResourceVector nonZero = effectiveRequest(spec, true);
        this.nonZeroMilliCpu = nonZero.milliCpu;
        this.nonZeroMemory = nonZero.memory;
        this.hostPorts = hostPorts(spec);
        this.tolerations = spec.getTolerations() == null ? List.of() : List.copyOf(spec.getTolerations());
        this.nodeSelector = spec.getNodeSelector() == null ? Map.of() : Map.copyOf(spec.getNodeSelector());
        Affinity affinity = spec.getAffinity();
        List<NodeSelectorMatcher> required = null;
        List<PreferredTerm> preferred = List.of();
        if (affinity != null && affinity.getNodeAffinity() != null) {
            var na = affinity.getNodeAffinity();
            if (na.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
                required = new ArrayList<>();
                List<NodeSelectorTerm> terms = na.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
                if (terms != null) {
                    for (NodeSelectorTerm t : terms) {
                        required.add(NodeSelectorMatcher.compile(t));
                    }
                }
            }
            if (na.getPreferredDuringSchedulingIgnoredDuringExecution() != null) {
                preferred = new ArrayList<>();
                for (PreferredSchedulingTerm t : na.getPreferredDuringSchedulingIgnoredDuringExecution()) {
                    if (t.getWeight() != null && t.getWeight() != 0 && t.getPreference() != null) {
                        preferred.add(new PreferredTerm(t.getWeight(), NodeSelectorMatcher.compile(t.getPreference())));
                    }
                }
            }
        }
        this.requiredTerms = required;
        this.preferredTerms = preferred;
        this.ownerUid = controllerUid(pod);
    }

    public static PodInfo of(Pod pod) {
        return new PodInfo(pod);
    }

    public static String keyOf(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /**
     * Kubernetes' effective request: app containers plus restartable (sidecar) init containers run together;
     * each regular init container runs alone beside the sidecars started before it; the pod needs the larger.
     */
    static ResourceVector effectiveRequest(PodSpec spec, boolean nonZero) {
        ResourceVector apps = new ResourceVector();
        if (spec.getContainers() != null) {
            for (Container c : spec.getContainers()) {
                apps.add(containerRequest(c, nonZero));
            }
        }
        ResourceVector sidecars = new ResourceVector();
        ResourceVector initMax = new ResourceVector();
        if (spec.getInitContainers() != null) {
            for (Container c : spec.getInitContainers()) {
                ResourceVector r = containerRequest(c, nonZero);
                if ("Always".equals(c.getRestartPolicy())) {
                    sidecars.add(r);
                    initMax.setMax(sidecars);
                } else {
                    r.add(sidecars);
                    initMax.setMax(r);
                }
            }
        }
        apps.add(sidecars);
        apps.setMax(initMax);
        if (!nonZero && spec.getOverhead() != null) {
            spec.getOverhead().forEach(apps::addQuantity);
        }
        return apps;
    }

    private static ResourceVector containerRequest(Container c, boolean nonZero) {
        ResourceRequirements rr = c.getResources();
        Map<String, Quantity> requests = rr == null ? null : rr.getRequests();
        Map<String, Quantity> limits = rr == null ? null : rr.getLimits();
        ResourceVector v = new ResourceVector();
        if (requests != null) {
            requests.forEach(v::addQuantity);
        }
        // a limit without a request means request = limit (what API defaulting writes)
        if (limits != null) {
            limits.forEach((name, q) -> {
                if (requests == null || !requests.containsKey(name)) {
                    v.addQuantity(name, q);
                }
            });
        }
        if (nonZero) {
            if (!hasAmount(requests, limits, "cpu")) {
                v.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
            }
            if (!hasAmount(requests, limits, "memory")) {
                v.memory = DEFAULT_MEMORY_REQUEST;
            }
        }
        return v;
    }

    private static boolean hasAmount(Map<String, Quantity> requests, Map<String, Quantity> limits, String name) {
        return (requests != null && requests.containsKey(name)) || (limits != null && limits.containsKey(name));
    }

    private static List<HostPort> hostPorts(PodSpec spec) {
        List<HostPort> ports = null;
        if (spec.getContainers() != null) {
            for (Container c : spec.getContainers()) {
                if (c.getPorts() == null) {
                    continue;
                }
                for (ContainerPort p : c.getPorts()) {
                    if (p.getHostPort() != null && p.getHostPort() > 0) {
                        if (ports == null) {
                            ports = new ArrayList<>(2);
                        }
                        ports.add(new HostPort(p.getHostIP(), p.getProtocol(), p.getHostPort()));
                    }
                }
            }
        }
        return ports == null ? List.of() : ports;
    }

    private static String controllerUid(Pod pod) {
        List<OwnerReference> refs = pod.getMetadata().getOwnerReferences();
        if (refs == null) {
            return null;
        }
        for (OwnerReference r : refs) {
            if (Boolean.TRUE.equals(r.getController())) {
                return r.getUid();
            }
        }
        return null;
    }

    public Pod pod() { return pod; }
    public String key() { return key; }
    public String namespace() { return pod.getMetadata().getNamespace(); }
    public String name() { return pod.getMetadata().getName(); }
    public int priority() { return priority; }
    public ResourceVector request() { return request; }
    public long nonZeroMilliCpu() { return nonZeroMilliCpu; }
    public long nonZeroMemory() { return nonZeroMemory; }
    public List<HostPort> hostPorts() { return hostPorts; }
    public List<Toleration> tolerations() { return tolerations; }
    public Map<String, String> nodeSelector() { return nodeSelector; }
    /** Null when the pod has no required node affinity; an empty list matches no node. */
    public List<NodeSelectorMatcher> requiredTerms() { return requiredTerms; }
    public List<PreferredTerm> preferredTerms() { return preferredTerms; }
    /** Uid of the controlling owner (ReplicaSet, StatefulSet ...), or null. */
    public String ownerUid() { return ownerUid; }
    public String requestedNodeName() { return pod.getSpec().getNodeName(); }
}
