package dev.keelson.scheduler.binder;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes PodScheduled=False (reason Unschedulable) with the fit-error message through pods/status,
 * on its own thread, only when it changes, and coalescing repeated writes for the same pod.
 */
public final class PodConditionWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PodConditionWriter.class);
    public static final String POD_SCHEDULED = "PodScheduled";
    public static final String UNSCHEDULABLE = "Unschedulable";

    private final KubernetesClient client;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "scheduler-condition-writer");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, String> pendingMessages = new ConcurrentHashMap<>();

    public PodConditionWriter(KubernetesClient client) {
        this.client = client;
    }

    /** Records that the pod could not be scheduled; a no-op when the pod already says so with this message. */
    public void unschedulable(Pod pod, String message) {
        if (hasCondition(pod, message)) {
            return;
        }
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String key = ns + "/" + name;
        if (pendingMessages.put(key, message) != null) {
            return;
        }
        executor.execute(() -> write(ns, name, key));
    }

    static boolean hasCondition(Pod pod, String message) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if (POD_SCHEDULED.equals(c.getType())) {
                return "False".equals(c.getStatus()) && UNSCHEDULABLE.equals(c.getReason()) && message.equals(c.getMessage());
            }
        }
        return false;
    }

    private void write(String ns, String name, String key) {
        String message = pendingMessages.remove(key);
        for (int attempt = 0; attempt < 3 && message != null; attempt++) {
            try {
                Pod current = client.pods().inNamespace(ns).withName(name).get();
                if (current == null || current.getSpec().getNodeName() != null && !current.getSpec().getNodeName().isEmpty()
                        || hasCondition(current, message)) {
                    return;
                }
                client.pods().inNamespace(ns).resource(withCondition(current, message)).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    LOG.warn("cannot write PodScheduled condition of {}: {}", key, e.getMessage());
                    return;
                }
            }
        }
    }

    static Pod withCondition(Pod pod, String message) {
        if (pod.getStatus() == null) {
            pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
        }
        List<PodCondition> conditions = new ArrayList<>();
        if (pod.getStatus().getConditions() != null) {
            for (PodCondition c : pod.getStatus().getConditions()) {
                if (!POD_SCHEDULED.equals(c.getType())) {
                    conditions.add(c);
                }
            }
        }
        conditions.add(new PodConditionBuilder().withType(POD_SCHEDULED).withStatus("False").withReason(UNSCHEDULABLE)
                .withMessage(message).withLastTransitionTime(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).build());
        pod.getStatus().setConditions(conditions);
        if (pod.getStatus().getPhase() == null) {
            pod.getStatus().setPhase("Pending");
        }
        return pod;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
