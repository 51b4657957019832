package dev.keelson.kubelet.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events from the kubelet (source.component=kubelet), off the caller's thread. Repeats of the same
 * reason and message for the same object bump count and lastTimestamp of one Event instead of adding new ones.
 */
public final class EventRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

    private record Seen(String namespace, String name, int count, String firstTimestamp) {}

    private final KubernetesClient client;
    private final String host;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kubelet-events");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    public EventRecorder(KubernetesClient client, String host) {
        this.client = client;
        this.host = host;
    }

    public void normal(Pod pod, String fieldPath, String reason, String message) {
        record(pod, fieldPath, "Normal", reason, message);
    }

    public void warning(Pod pod, String fieldPath, String reason, String message) {
        record(pod, fieldPath, "Warning", reason, message);
    }

    private void record(Pod pod, String fieldPath, String type, String reason, String message) {
        ObjectReference ref = new ObjectReferenceBuilder()
                .withApiVersion("v1").withKind("Pod")
                .withNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .withUid(pod.getMetadata().getUid()).withResourceVersion(pod.getMetadata().getResourceVersion())
                .withFieldPath(fieldPath).build();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            writer.execute(() -> write(ref, type, reason, message, now));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("event {} {} dropped after close", reason, message);
        }
    }

    private void write(ObjectReference ref, String type, String reason, String message, String now) {
        String key = ref.getUid() + "/" + ref.getFieldPath() + "/" + reason + "/" + message;
        try {
            Seen previous = seen.get(key);
            if (previous != null) {
                int count = previous.count + 1;
                String patch = "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}";
                try {
                    client.v1().events().inNamespace(previous.namespace).withName(previous.name)
                            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                    seen.put(key, new Seen(previous.namespace, previous.name, count, previous.firstTimestamp));
                    return;
                } catch (RuntimeException e) {
                    log.debug("event {} gone, writing a new one: {}", previous.name, e.getMessage());
                }
            }
            String name = ref.getName() + "." + Long.toHexString(System.nanoTime()) + Long.toHexString(
                    Thread.currentThread().getId());
            Event event = new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(ref.getNamespace()).endMetadata()
                    .withInvolvedObject(ref)
                    .withType(type).withReason(reason).withMessage(message)
                    .withNewSource().withComponent("kubelet").withHost(host).endSource()
                    .withReportingComponent("kubelet").withReportingInstance(host)
                    .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
                    .build();
            client.v1().events().inNamespace(ref.getNamespace()).resource(event).create();
            seen.put(key, new Seen(ref.getNamespace(), name, 1, now));
        } catch (RuntimeException e) {
            log.warn("cannot write event {} for {}/{}: {}", reason, ref.getNamespace(), ref.getName(), e.getMessage());
        }
    }

    /** Forgets aggregation state of a pod that went away. */
    public void forget(String podUid) {
        seen.keySet().removeIf(k -> k.startsWith(podUid + "/"));
    }

    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
