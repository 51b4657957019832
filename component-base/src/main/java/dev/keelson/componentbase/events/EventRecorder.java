package dev.keelson.componentbase.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events (Scheduled, Pulling, ScalingReplicaSet, NodeNotReady ...) so that {@code kubectl describe}
 * shows what a component did. An event is informational: it is written in the background, never slows down or
 * fails the caller, and is dropped (counted by the drop callback) when too many are pending. With
 * {@link Builder#aggregateRepeats()} a repeat of the same reason and message about the same object bumps count and
 * lastTimestamp of the first event, as client-go's EventCorrelator does, instead of adding a new one.
 */
public final class EventRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

    /** The event already written for a repeated (object, field, reason, message). */
    private record Written(String namespace, String name, int count) {}

    /** An event waiting to be written, with its aggregation key (null when repeats are not aggregated). */
    private record Pending(Event event, String key) {}

    private final EventSink sink;
    private final String component;
    private final String host;
    private final String instance;
    private final String action;
    private final boolean aggregate;
    private final boolean logEach;
    private final int maxPending;
    private final int maxInFlight;
    private final Runnable onDrop;
    private final Duration flushOnClose;

    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong lastNanos = new AtomicLong();
    private final Map<String, Written> written = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private EventRecorder(EventSink sink, Builder b) {
        this.sink = sink;
        this.component = b.component;
        this.host = b.host;
        this.instance = b.instance;
        this.action = b.action;
        this.aggregate = b.aggregate;
        this.logEach = b.logEach;
        this.maxPending = b.maxPending;
        this.maxInFlight = b.maxInFlight;
        this.onDrop = b.onDrop;
        this.flushOnClose = b.flushOnClose;
    }

    /** A recorder whose events carry {@code component} as source.component and reportingComponent. */
    public static Builder builder(String component) {
        return new Builder(component);
    }

    public void normal(HasMetadata about, String reason, String message) {
        record(about, null, "Normal", reason, message);
    }

    public void warning(HasMetadata about, String reason, String message) {
        record(about, null, "Warning", reason, message);
    }

    /** An event about one part of the object, e.g. {@code spec.containers{web}} of a pod. */
    public void normal(HasMetadata about, String fieldPath, String reason, String message) {
        record(about, fieldPath, "Normal", reason, message);
    }

    public void warning(HasMetadata about, String fieldPath, String reason, String message) {
        record(about, fieldPath, "Warning", reason, message);
    }

    /** Forgets the aggregation state of an object that went away. */
    public void forget(String uid) {
        written.keySet().removeIf(k -> k.startsWith(uid + "/"));
    }

    private void record(HasMetadata about, String fieldPath, String type, String reason, String message) {
        Event event = event(about, fieldPath, type, reason, message);
        if (logEach) {
            log.info("{} {}/{}: {} {}", event.getInvolvedObject().getKind(), event.getMetadata().getNamespace(),
                    about.getMetadata().getName(), reason, message);
        }
        if (closed) {
            log.debug("event {} {} dropped after close", reason, message);
            return;
        }
        if (pendingCount.incrementAndGet() > maxPending) {
            pendingCount.decrementAndGet();
            onDrop.run();
            return;
        }
        String key = aggregate ? about.getMetadata().getUid() + "/" + fieldPath + "/" + reason + "/" + message : null;
        pending.add(new Pending(event, key));
        drain();
    }

    private Event event(HasMetadata about, String fieldPath, String type, String reason, String message) {
        String objectNamespace = about.getMetadata().getNamespace();
        // events about cluster-scoped objects (nodes) live in "default", as in Kubernetes
        String namespace = objectNamespace == null ? "default" : objectNamespace;
        ObjectReference ref = new ObjectReferenceBuilder()
                .withApiVersion(about.getApiVersion() != null ? about.getApiVersion()
                        : HasMetadata.getApiVersion(about.getClass()))
                .withKind(kind(about))
                .withNamespace(objectNamespace).withName(about.getMetadata().getName())
                .withUid(about.getMetadata().getUid()).withResourceVersion(about.getMetadata().getResourceVersion())
                .withFieldPath(fieldPath).build();
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        return new EventBuilder()
                .withNewMetadata().withName(about.getMetadata().getName() + "." + Long.toHexString(uniqueNanos()))
                .withNamespace(namespace).endMetadata()
                .withInvolvedObject(ref)
                .withType(type).withReason(reason).withMessage(message).withAction(action)
                .withNewSource().withComponent(component).withHost(host).endSource()
                .withReportingComponent(component).withReportingInstance(instance)
                .withCount(1).withFirstTimestamp(now).withLastTimestamp(now)
                .build();
    }

    private static String kind(HasMetadata about) {
        return about.getKind() != null ? about.getKind() : HasMetadata.getKind(about.getClass());
    }

    /** Event names are "object.hex-nanos" as client-go's; strictly increasing so that two events never collide. */
    private long uniqueNanos() {
        Instant now = Instant.now();
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        return lastNanos.updateAndGet(last -> Math.max(last + 1, nanos));
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
            Pending next = pending.poll();
            if (next == null) {
                inFlight.decrementAndGet();
                // an event added after poll() and before the decrement would otherwise wait for the next record()
                if (pending.isEmpty()) {
                    return;
                }
                continue;
            }
            pendingCount.decrementAndGet();
            write(next).whenComplete((v, err) -> {
                if (err != null) {
                    log.debug("event {} {} not written: {}", next.event().getReason(),
                            next.event().getMetadata().getName(), err.toString());
                }
                inFlight.decrementAndGet();
                drain();
            });
        }
    }

    private CompletableFuture<Void> write(Pending p) {
        Written previous = p.key() == null ? null : written.get(p.key());
        if (previous == null) {
            return create(p);
        }
        int count = previous.count() + 1;
        return guard(() -> sink.updateCount(previous.namespace(), previous.name(), count,
                        p.event().getLastTimestamp()))
                .thenRun(() -> written.put(p.key(), new Written(previous.namespace(), previous.name(), count)))
                .exceptionallyCompose(err -> {
                    log.debug("event {} gone, writing a new one: {}", previous.name(), err.toString());
                    written.remove(p.key(), previous);
                    return create(p);
                });
    }

    private CompletableFuture<Void> create(Pending p) {
        Event e = p.event();
        return guard(() -> sink.create(e)).thenRun(() -> {
            if (p.key() != null) {
                written.put(p.key(), new Written(e.getMetadata().getNamespace(), e.getMetadata().getName(), 1));
            }
        });
    }

    /** A sink that throws instead of returning a failed future must not stop the drain. */
    private static CompletableFuture<Void> guard(java.util.function.Supplier<CompletableFuture<Void>> write) {
        try {
            return write.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Stops taking events; with {@link Builder#flushOnClose} first waits that long for pending writes. */
    @Override
    public void close() {
        closed = true;
        long deadline = System.nanoTime() + flushOnClose.toNanos();
        while ((pendingCount.get() > 0 || inFlight.get() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** How a component's events look and how many may wait to be written. */
    public static final class Builder {
        private final String component;
        private String host;
        private String instance;
        private String action;
        private boolean aggregate;
        private boolean logEach;
        private int maxPending = 1000;
        private int maxInFlight = 1;
        private Runnable onDrop = () -> { };
        private Duration flushOnClose = Duration.ZERO;

        private Builder(String component) {
            this.component = Objects.requireNonNull(component, "component");
        }

        /** source.host of every event (the kubelet's node). */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** reportingInstance of every event (which replica of the component wrote it). */
        public Builder instance(String instance) {
            this.instance = instance;
            return this;
        }

        /** action of every event (the scheduler's "Scheduling"). */
        public Builder action(String action) {
            this.action = action;
            return this;
        }

        /** Repeats bump count and lastTimestamp of one event; writes stay one at a time so a repeat follows its create. */
        public Builder aggregateRepeats() {
            this.aggregate = true;
            return this;
        }

        /** Logs every event at info as it is recorded (for components whose events are rare and telling). */
        public Builder logEachEvent() {
            this.logEach = true;
            return this;
        }

        /** Events waiting beyond this many are dropped and {@code onDrop} runs, as client-go's full broadcaster drops. */
        public Builder maxPending(int maxPending, Runnable onDrop) {
            if (maxPending < 1) {
                throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
            }
            this.maxPending = maxPending;
            this.onDrop = Objects.requireNonNull(onDrop, "onDrop");
            return this;
        }

        /** How many writes may be in flight at once (default 1, which keeps the order of events). */
        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** close() waits up to this long for pending events (default: not at all). */
        public Builder flushOnClose(Duration timeout) {
            this.flushOnClose = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public EventRecorder build(KubernetesClient client) {
            return build(new ApiEventSink(client));
        }

        EventRecorder build(EventSink sink) {
            if (aggregate && maxInFlight > 1) {
                throw new IllegalStateException("aggregated events are written one at a time (maxInFlight 1)");
            }
            return new EventRecorder(sink, this);
        }
    }
}
