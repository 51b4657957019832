package dev.keelson.scheduler.binder;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about pods (Scheduled, FailedScheduling) in the background. A few are in flight
 * at once so events never crowd out bindings; when too many are pending new ones are dropped, as
 * client-go's broadcaster drops when its queue is full.
 */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

    private final ApiPoster poster;
    private final String component;
    private final String instance;
    private final int maxPending;
    private final int maxInFlight;
    private final Runnable onDrop;
    private final ConcurrentLinkedQueue<Event> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();

    public EventRecorder(ApiPoster poster, String component, String instance, int maxPending, int maxInFlight, Runnable onDrop) {
        this.poster = poster;
        this.component = component;
        this.instance = instance;
        this.maxPending = maxPending;
        this.maxInFlight = maxInFlight;
        this.onDrop = onDrop;
    }

    public void record(Pod pod, String type, String reason, String message) {
        if (pendingCount.incrementAndGet() > maxPending) {
            pendingCount.decrementAndGet();
            onDrop.run();
            return;
        }
        pending.add(event(pod, type, reason, message));
        drain();
    }

    private Event event(Pod pod, String type, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String ns = pod.getMetadata().getNamespace();
        // unique like client-go's "<object>.<hex nanos>"
        String name = pod.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis() * 1_000_000L
                + sequence.incrementAndGet() % 1_000_000L);
        return new EventBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withNamespace(ns)
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid())
                .withResourceVersion(pod.getMetadata().getResourceVersion()).endInvolvedObject()
                .withType(type).withReason(reason).withMessage(message).withAction("Scheduling")
                .withNewSource().withComponent(component).endSource()
                .withReportingComponent(component).withReportingInstance(instance)
                .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build();
    }

    private void drain() {
        while (true) {
            int current = inFlight.get();
            if (current >= maxInFlight) {
                return;
            }
            if (!inFlight.compareAndSet(current, current + 1)) {
                continue;
            }
            Event e = pending.poll();
            if (e == null) {
                inFlight.decrementAndGet();
                // an event added after poll() and before the decrement would otherwise wait for the next record()
                if (pending.isEmpty()) {
                    return;
                }
                continue;
            }
            pendingCount.decrementAndGet();
            poster.post("/api/v1/namespaces/" + e.getMetadata().getNamespace() + "/events", e).whenComplete((v, err) -> {
                if (err != null) {
                    LOG.debug("event {} {} not written: {}", e.getReason(), e.getMetadata().getName(), err.getMessage());
                }
                inFlight.decrementAndGet();
                drain();
            });
        }
    }
}
