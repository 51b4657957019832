package dev.keelson.kubelet.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where a pod's first start spends its time: spans (stage, start, end in {@link System#nanoTime}) from the informer
 * seeing the pod to the status write that made it Ready, kept for the last pods and as a histogram per stage.
 */
public final class PodStartTraces {
    /** One timed stage of a start; the nanoTime values are comparable within this JVM only. */
    public record Span(String stage, long startNanos, long endNanos) {
        public long nanos() {
            return endNanos - startNanos;
        }
    }

    /** A finished start: {@code seenNanos} is when the kubelet's informer delivered the pod. */
    public record Trace(String namespace, String name, String uid, long seenNanos, List<Span> spans) {}

    private static final int KEEP = 1000;

    private final class Open {
        final String namespace;
        final String name;
        final long seen;
        final List<Span> spans = new ArrayList<>();

        Open(String namespace, String name, long seen) {
            this.namespace = namespace;
            this.name = name;
            this.seen = seen;
        }
    }

    private final MeterRegistry metrics;
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final Deque<Trace> done = new ArrayDeque<>();

    public PodStartTraces(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** The informer delivered a pod: start tracing it unless it already runs (a restarted kubelet adopting it). */
    public void seen(Pod pod) {
        if (PodStatusCalculator.isReady(pod.getStatus())) {
            return;
        }
        open.putIfAbsent(pod.getMetadata().getUid(),
                new Open(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), System.nanoTime()));
    }

    /** Records a stage of a traced pod; the first span of a stage name counts, later ones (retries, resyncs) do not. */
    public void span(String uid, String stage, long startNanos, long endNanos) {
        Open o = open.get(uid);
        if (o == null) {
            return;
        }
        synchronized (o) {
            for (Span s : o.spans) {
                if (s.stage().equals(stage)) {
                    return;
                }
            }
            o.spans.add(new Span(stage, startNanos, endNanos));
        }
    }

    /** Time from the informer's delivery until now, as a stage (e.g. waiting for a pod worker). */
    public void sinceSeen(String uid, String stage) {
        Open o = open.get(uid);
        if (o != null) {
            span(uid, stage, o.seen, System.nanoTime());
        }
    }

    /** Runs {@code body} and records it as a stage of the pod's start, if the pod is being traced. */
    public <T> T time(String uid, String stage, Supplier<T> body) {
        if (!open.containsKey(uid)) {
            return body.get();
        }
        long start = System.nanoTime();
        try {
            return body.get();
        } finally {
            span(uid, stage, start, System.nanoTime());
        }
    }

    public void time(String uid, String stage, Runnable body) {
        time(uid, stage, () -> {
            body.run();
            return null;
        });
    }

    /** The status write that reports the pod Ready returned: the trace is complete. */
    public void finish(String uid) {
        Open o = open.remove(uid);
        if (o == null) {
            return;
        }
        List<Span> spans;
        synchronized (o) {
            spans = List.copyOf(o.spans);
        }
        for (Span s : spans) {
            Timer.builder("kubelet_pod_start_stage_seconds")
                    .description("stages of a pod's first start, from the informer's delivery to the status write that made it Ready")
                    .tag("stage", s.stage()).publishPercentileHistogram().register(metrics)
                    .record(s.nanos(), TimeUnit.NANOSECONDS);
        }
        synchronized (done) {
            done.addLast(new Trace(o.namespace, o.name, uid, o.seen, spans));
            while (done.size() > KEEP) {
                done.removeFirst();
            }
        }
    }

    /** The pod went away before it was Ready. */
    public void discard(String uid) {
        open.remove(uid);
    }

    /** The last finished starts, oldest first. */
    public List<Trace> recent() {
        synchronized (done) {
            return List.copyOf(done);
        }
    }
}
