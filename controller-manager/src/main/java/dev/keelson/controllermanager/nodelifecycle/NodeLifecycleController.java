package dev.keelson.controllermanager.nodelifecycle;

import dev.keelson.componentbase.controller.Informers;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches node heartbeats (the kube-node-lease Lease and the Ready condition). A node silent for longer than
 * the grace period gets Ready=Unknown and the {@code node.kubernetes.io/unreachable:NoExecute} taint (a node
 * reporting Ready=False gets {@code not-ready}); its pods are marked not ready; pods that do not tolerate the
 * taint are evicted once their tolerationSeconds have passed; the taint is removed when heartbeats return.
 * New taints are rate limited per zone as Kubernetes does (--node-eviction-rate; slower or stopped in a partially
 * disrupted zone); while every zone is fully disrupted no node is tainted and existing taints are lifted, so a
 * partition of the whole cluster does not evict everything.
 */
public final class NodeLifecycleController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeLifecycleController.class);
    static final String NODE_LEASE_NAMESPACE = "kube-node-lease";

    /**
     * Timings and eviction policy; Kubernetes' defaults are 40 s grace, 5 s monitor period, 0.1 node taints per
     * second, 0.01 in a large (more than 50 nodes) partially disrupted zone, which is one with at least 55 % of its
     * nodes (and more than 2) not ready.
     */
    public record Options(Duration gracePeriod, Duration monitorPeriod, double evictionRate,
                          double secondaryEvictionRate, double unhealthyZoneThreshold, int largeClusterSizeThreshold) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(40), Duration.ofSeconds(5), 0.1, 0.01, 0.55, 50);
        }

        ZoneDisruption.Policy policy() {
            return new ZoneDisruption.Policy(evictionRate, secondaryEvictionRate, unhealthyZoneThreshold,
                    largeClusterSizeThreshold);
        }
    }

    /** Ready and not-ready node counts of one zone in one monitor pass. */
    private static final class ZoneCount {
        int ready;
        int notReady;
    }

    /** When this controller last saw a node's heartbeat change, measured on its own clock. */
    private record Health(String readyHeartbeat, String leaseRenew, Instant probeTime) {}

    private final KubernetesClient client;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Lease> leases;
    private final SharedIndexInformer<Pod> pods;
    private final Options options;
    private final EventRecorder events;
    private final Map<String, Health> health = new ConcurrentHashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "node-lifecycle");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, TaintRateLimiter> zoneLimiters = new ConcurrentHashMap<>();
    private final Map<String, ZoneCount> zoneGauges = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final Counter passes;
    private volatile boolean allZonesFullyDisrupted;

    public NodeLifecycleController(SharedInformers informers, Options options, MeterRegistry meters) {
        this.client = informers.client();
        this.nodes = informers.nodes();
        this.leases = informers.nodeLeases();
        this.pods = informers.pods();
        this.options = options;
        this.meters = meters;
        this.events = EventRecorder.builder("node-controller").logEachEvent().build(client);
        this.passes = Counter.builder("node_lifecycle_monitor_passes").description("completed node monitor passes")
                .register(meters);
    }

    public void run() throws InterruptedException {
        Informers.startAndWaitForSync(List.of(nodes, leases, pods), Duration.ofMinutes(2));
        long period = options.monitorPeriod().toMillis();
        loop.scheduleWithFixedDelay(this::monitorSafely, period, period, TimeUnit.MILLISECONDS);
        log.info("node lifecycle controller started (grace {}, period {})", options.gracePeriod(), options.monitorPeriod());
    }

    @Override
    public void close() {
        loop.shutdownNow();
        events.close();
    }

    private void monitorSafely() {
        try {
            monitor();
        } catch (RuntimeException e) {
            log.warn("node monitor pass failed: {}", e.toString());
        }
    }

    void monitor() {
        Instant now = Instant.now();
        List<Node> all = nodes.getStore().list();
        health.keySet().retainAll(all.stream().map(n -> n.getMetadata().getName()).collect(Collectors.toSet()));
        Map<String, ZoneCount> zones = new HashMap<>();
        for (Node node : all) {
            String status = observe(node, now);
            ZoneCount count = zones.computeIfAbsent(ZoneDisruption.zoneOf(node), z -> new ZoneCount());
            if ("True".equals(status)) {
                count.ready++;
            } else {
                count.notReady++;
            }
        }
        Map<String, ZoneDisruption.State> states = new HashMap<>();
        zones.forEach((zone, c) -> states.put(zone,
                ZoneDisruption.state(c.ready, c.notReady, options.unhealthyZoneThreshold())));
        boolean allFull = !states.isEmpty()
                && states.values().stream().allMatch(st -> st == ZoneDisruption.State.FULL_DISRUPTION);
        if (allFull != allZonesFullyDisrupted) {
            if (allFull) {
                log.warn("all {} nodes in every zone are not ready: no node is tainted, existing taints are lifted "
                        + "(full disruption mode)", all.size());
            } else {
                log.info("some nodes are ready again: leaving full disruption mode");
            }
            allZonesFullyDisrupted = allFull;
        }
        zoneLimiters.keySet().retainAll(zones.keySet());
        zones.forEach((zone, c) -> {
            double rate = ZoneDisruption.rate(states.get(zone), c.ready + c.notReady, allFull, options.policy());
            zoneLimiters.computeIfAbsent(zone, z -> new TaintRateLimiter(rate, now)).setRate(rate, now);
            publish(zone, c);
        });
        for (Node node : nodes.getStore().list()) {
            if (allFull) {
                liftTaints(node);
                continue;
            }
            reconcileTaints(node, now, zoneLimiters.get(ZoneDisruption.zoneOf(node)));
            evictPods(node, now);
        }
        passes.increment();
    }

    /** Kubernetes' node_collector zone metrics: size, not-ready nodes and the percentage of ready nodes. */
    private void publish(String zone, ZoneCount c) {
        ZoneCount gauge = zoneGauges.computeIfAbsent(zone, z -> {
            ZoneCount g = new ZoneCount();
            Gauge.builder("node_collector_zone_size", g, x -> x.ready + x.notReady).tag("zone", z).register(meters);
            Gauge.builder("node_collector_unhealthy_nodes_in_zone", g, x -> x.notReady).tag("zone", z).register(meters);
            Gauge.builder("node_collector_zone_health", g,
                    x -> x.ready + x.notReady == 0 ? 100 : 100.0 * x.ready / (x.ready + x.notReady))
                    .tag("zone", z).register(meters);
            return g;
        });
        gauge.ready = c.ready;
        gauge.notReady = c.notReady;
    }

    private void liftTaints(Node cached) {
        if (taints(cached).stream().noneMatch(NodeLifecycleController::isLifecycleTaint)) {
            return;
        }
        writeTaints(cached, taints(cached).stream().filter(t -> !isLifecycleTaint(t)).toList());
    }

    private static boolean isLifecycleTaint(Taint t) {
        return Taints.NO_EXECUTE.equals(t.getEffect())
                && (Taints.UNREACHABLE.equals(t.getKey()) || Taints.NOT_READY.equals(t.getKey()));
    }

    /** Updates the node's heartbeat record, marks it Unknown if it went silent; returns its Ready status. */
    private String observe(Node node, Instant now) {
        String name = node.getMetadata().getName();
        Optional<NodeCondition> ready = readyCondition(node);
        String readyBeat = ready.map(NodeCondition::getLastHeartbeatTime).orElse(null);
        Lease lease = leases.getStore().getByKey(NODE_LEASE_NAMESPACE + "/" + name);
        String leaseBeat = lease == null || lease.getSpec() == null || lease.getSpec().getRenewTime() == null
                ? null : lease.getSpec().getRenewTime().toString();
        Health h = health.get(name);
        if (h == null || !Objects.equals(h.readyHeartbeat(), readyBeat) || !Objects.equals(h.leaseRenew(), leaseBeat)) {
            h = new Health(readyBeat, leaseBeat, now);
            health.put(name, h);
        }
        String status = ready.map(NodeCondition::getStatus).orElse("Unknown");
        if (now.isAfter(h.probeTime().plus(options.gracePeriod()))
                && (ready.isEmpty() || !"Unknown".equals(ready.get().getStatus()))) {
            markUnknown(node, ready.isPresent());
            status = "Unknown";
        }
        return status;
    }

    private void markUnknown(Node cached, boolean everReported) {
        Node node = client.getKubernetesSerialization().clone(cached);
        String now = Times.now();
        if (node.getStatus() == null) {
            node.setStatus(new NodeStatus());
        }
        List<NodeCondition> conditions = node.getStatus().getConditions() == null
                ? new ArrayList<>() : new ArrayList<>(node.getStatus().getConditions());
        if (!everReported) {
            NodeCondition c = new NodeCondition();
            c.setType("Ready");
            conditions.add(c);
        }
        for (NodeCondition c : conditions) {
            if (!List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure").contains(c.getType())) {
                continue;
            }
            c.setStatus("Unknown");
            c.setReason(everReported ? "NodeStatusUnknown" : "NodeStatusNeverUpdated");
            c.setMessage(everReported ? "Kubelet stopped posting node status." : "Kubelet never posted node status.");
            c.setLastTransitionTime(now);
        }
        node.getStatus().setConditions(conditions);
        try {
            client.nodes().resource(node).updateStatus();
        } catch (KubernetesClientException e) {
            log.info("cannot mark node {} Unknown: {}", node.getMetadata().getName(), e.getMessage());
            return;
        }
        log.info("node {} stopped posting status for more than {}: Ready=Unknown", node.getMetadata().getName(),
                options.gracePeriod());
        events.normal(node, "NodeNotReady", "Node " + node.getMetadata().getName() + " status is now: NodeNotReady");
        markPodsNotReady(node.getMetadata().getName());
    }

    private void markPodsNotReady(String nodeName) {
        for (Pod cached : pods.getIndexer().byIndex(SharedInformers.BY_NODE, nodeName)) {
            if (!Pods.isReady(cached)) {
                continue;
            }
            Pod pod = client.getKubernetesSerialization().clone(cached);
            for (PodCondition c : pod.getStatus().getConditions()) {
                if ("Ready".equals(c.getType())) {
                    c.setStatus("False");
                    c.setLastTransitionTime(Times.now());
                }
            }
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
            } catch (KubernetesClientException e) {
                log.info("cannot mark pod {} not ready: {}", pod.getMetadata().getName(), e.getMessage());
            }
        }
    }

    /** Unknown -> unreachable taint, False -> not-ready taint, True -> neither. */
    private void reconcileTaints(Node cached, Instant now, TaintRateLimiter limiter) {
        String status = readyCondition(cached).map(NodeCondition::getStatus).orElse("Unknown");
        String wanted = switch (status) {
            case "True" -> null;
            case "False" -> Taints.NOT_READY;
            default -> Taints.UNREACHABLE;
        };
        List<Taint> taints = taints(cached);
        boolean hasWanted = wanted == null || taints.stream().anyMatch(t -> wanted.equals(t.getKey())
                && Taints.NO_EXECUTE.equals(t.getEffect()));
        boolean hasStale = taints.stream().anyMatch(t -> Taints.NO_EXECUTE.equals(t.getEffect())
                && (Taints.UNREACHABLE.equals(t.getKey()) || Taints.NOT_READY.equals(t.getKey()))
                && !t.getKey().equals(wanted));
        if (hasWanted && !hasStale) {
            return;
        }
        if (!hasWanted && (limiter == null || !limiter.tryTake(now))) {
            return;
        }
        List<Taint> updated = new ArrayList<>(taints);
        updated.removeIf(NodeLifecycleController::isLifecycleTaint);
        if (wanted != null) {
            Taint t = new Taint();
            t.setKey(wanted);
            t.setEffect(Taints.NO_EXECUTE);
            t.setTimeAdded(Times.format(now));
            updated.add(t);
        }
        writeTaints(cached, updated);
    }

    private void writeTaints(Node cached, List<Taint> updated) {
        Node node = client.getKubernetesSerialization().clone(cached);
        if (node.getSpec() == null) {
            node.setSpec(new NodeSpec());
        }
        node.getSpec().setTaints(updated);
        try {
            client.nodes().resource(node).update();
            log.info("node {}: NoExecute taints now {}", node.getMetadata().getName(),
                    updated.stream().map(Taint::getKey).toList());
        } catch (KubernetesClientException e) {
            log.info("cannot update taints of node {}: {}", node.getMetadata().getName(), e.getMessage());
        }
    }

    /** Deletes pods on a NoExecute-tainted node once they have tolerated the taint for as long as they may. */
    private void evictPods(Node node, Instant now) {
        List<Taint> noExecute = taints(node).stream().filter(t -> Taints.NO_EXECUTE.equals(t.getEffect())).toList();
        if (noExecute.isEmpty()) {
            return;
        }
        Instant tainted = noExecute.stream().map(t -> Times.parse(t.getTimeAdded())).filter(Objects::nonNull)
                .max(Instant::compareTo).orElse(now);
        for (Pod pod : pods.getIndexer().byIndex(SharedInformers.BY_NODE, node.getMetadata().getName())) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            Optional<Duration> tolerated = Taints.tolerationTime(pod, noExecute);
            if (tolerated.isEmpty() || now.isBefore(tainted.plus(tolerated.get()))) {
                continue;
            }
            log.info("evicting pod {}/{} from node {} (NoExecute taint tolerated for {})", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), node.getMetadata().getName(), tolerated.get());
            events.normal(pod, "TaintManagerEviction", "Marking for deletion Pod " + pod.getMetadata().getNamespace()
                    + "/" + pod.getMetadata().getName());
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            } catch (KubernetesClientException e) {
                log.info("cannot evict pod {}: {}", pod.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private static List<Taint> taints(Node node) {
        return node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    }

    private static Optional<NodeCondition> readyCondition(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }
}
