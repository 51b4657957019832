package dev.keelson.controllermanager.podgc;

import dev.keelson.componentbase.controller.Informers;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' pod garbage collector: deletes pods bound to nodes that no longer exist (after a quarantine, so a
 * node that is re-registering is not mistaken for a gone one), unscheduled pods stuck terminating (no kubelet
 * will ever confirm them), and the oldest terminated pods beyond --terminated-pod-gc-threshold.
 */
public final class PodGarbageCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodGarbageCollector.class);

    /**
     * @param terminatedPodThreshold terminated (Succeeded or Failed) pods kept; 0 keeps all
     * @param checkPeriod time between passes (Kubernetes: 20 s)
     * @param quarantine how long a node must be missing before its pods are deleted (Kubernetes: 40 s)
     */
    public record Options(int terminatedPodThreshold, Duration checkPeriod, Duration quarantine) {
        public static Options withThreshold(int terminatedPodThreshold) {
            return new Options(terminatedPodThreshold, Duration.ofSeconds(20), Duration.ofSeconds(40));
        }
    }

    private final KubernetesClient client;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Node> nodes;
    private final Options options;
    private final Counter deleted;
    private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pod-gc");
        t.setDaemon(true);
        return t;
    });

    public PodGarbageCollector(SharedInformers informers, Options options, MeterRegistry meters) {
        this.client = informers.client();
        this.pods = informers.pods();
        this.nodes = informers.nodes();
        this.options = options;
        this.deleted = Counter.builder("pod_gc_deleted_pods").description("pods deleted by the pod garbage collector")
                .register(meters);
    }

    public void run() throws InterruptedException {
        Informers.startAndWaitForSync(List.of(pods, nodes), Duration.ofMinutes(2));
        long period = options.checkPeriod().toMillis();
        loop.scheduleWithFixedDelay(this::gcSafely, period, period, TimeUnit.MILLISECONDS);
        log.info("pod garbage collector started (terminated pod threshold {})", options.terminatedPodThreshold());
    }

    @Override
    public void close() {
        loop.shutdownNow();
    }

    private void gcSafely() {
        try {
            gc(Instant.now());
        } catch (RuntimeException e) {
            log.warn("pod GC pass failed: {}", e.toString());
        }
    }

    void gc(Instant now) {
        List<Pod> all = pods.getStore().list();
        gcTerminated(all);
        gcOrphaned(all, now);
        gcUnscheduledTerminating(all);
    }

    private void gcTerminated(List<Pod> all) {
        if (options.terminatedPodThreshold() <= 0) {
            return;
        }
        List<Pod> terminated = all.stream().filter(PodGarbageCollector::isTerminated).toList();
        List<Pod> victims = TerminatedPods.oldestBeyond(terminated, options.terminatedPodThreshold());
        if (!victims.isEmpty()) {
            log.info("{} terminated pods exceed the threshold {}: deleting the {} oldest", terminated.size(),
                    options.terminatedPodThreshold(), victims.size());
        }
        victims.forEach(this::forceDelete);
    }

    private void gcOrphaned(List<Pod> all, Instant now) {
        List<String> boundTo = all.stream().map(p -> p.getSpec() == null ? null : p.getSpec().getNodeName())
                .filter(n -> n != null && !n.isEmpty()).distinct().toList();
        missingSince.keySet().retainAll(boundTo);
        for (String nodeName : boundTo) {
            if (nodes.getStore().getByKey(nodeName) != null) {
                missingSince.remove(nodeName);
                continue;
            }
            Instant since = missingSince.computeIfAbsent(nodeName, n -> now);
            if (now.isBefore(since.plus(options.quarantine())) || client.nodes().withName(nodeName).get() != null) {
                continue;
            }
            for (Pod pod : pods.getIndexer().byIndex(SharedInformers.BY_NODE, nodeName)) {
                log.info("pod {}/{} is bound to node {} that no longer exists: deleting it",
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), nodeName);
                markFailed(pod, "PodGC: node no longer exists");
                forceDelete(pod);
            }
            missingSince.remove(nodeName);
        }
    }

    private void gcUnscheduledTerminating(List<Pod> all) {
        for (Pod pod : all) {
            boolean unscheduled = pod.getSpec() == null || pod.getSpec().getNodeName() == null
                    || pod.getSpec().getNodeName().isEmpty();
            if (unscheduled && pod.getMetadata().getDeletionTimestamp() != null) {
                log.info("unscheduled pod {}/{} is terminating: deleting it now", pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName());
                forceDelete(pod);
            }
        }
    }

    /** As Kubernetes does, a pod the collector removes ends Failed with a DisruptionTarget condition saying why. */
    private void markFailed(Pod cached, String message) {
        if (isTerminated(cached)) {
            return;
        }
        Pod pod = client.getKubernetesSerialization().clone(cached);
        List<PodCondition> conditions = pod.getStatus().getConditions() == null
                ? new ArrayList<>() : new ArrayList<>(pod.getStatus().getConditions());
        conditions.removeIf(c -> "DisruptionTarget".equals(c.getType()));
        conditions.add(new PodConditionBuilder().withType("DisruptionTarget").withStatus("True")
                .withReason("DeletionByPodGC").withMessage(message).withLastTransitionTime(Times.now()).build());
        pod.getStatus().setConditions(conditions);
        pod.getStatus().setPhase("Failed");
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
        } catch (KubernetesClientException e) {
            log.info("cannot mark pod {} Failed: {}", pod.getMetadata().getName(), e.getMessage());
        }
    }

    private void forceDelete(Pod pod) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
            deleted.increment();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                log.info("cannot delete pod {}: {}", pod.getMetadata().getName(), e.getMessage());
            }
        }
    }

    static boolean isTerminated(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
