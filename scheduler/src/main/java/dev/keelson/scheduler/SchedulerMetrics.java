package dev.keelson.scheduler;

import dev.keelson.scheduler.queue.SchedulingQueue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The scheduler's Prometheus metrics, named after kube-scheduler's. */
final class SchedulerMetrics {
    final Counter scheduled;
    final Counter unschedulable;
    final Counter error;
    final Timer e2eLatency;
    final Timer algorithmLatency;
    final Counter eventsDropped;

    SchedulerMetrics(MeterRegistry registry, SchedulingQueue queue) {
        scheduled = attempts(registry, "scheduled");
        unschedulable = attempts(registry, "unschedulable");
        error = attempts(registry, "error");
        e2eLatency = Timer.builder("scheduler.e2e.scheduling.duration")
                .description("Time from a pod entering the queue to its binding succeeding")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        algorithmLatency = Timer.builder("scheduler.scheduling.algorithm.duration")
                .description("Time to filter and score the nodes for one pod")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(1))
                .register(registry);
        eventsDropped = Counter.builder("scheduler.events.dropped").description("Events not sent because too many were pending")
                .register(registry);
        Gauge.builder("scheduler.pending.pods", queue, SchedulingQueue::activeSize).tag("queue", "active").register(registry);
        Gauge.builder("scheduler.pending.pods", queue, SchedulingQueue::backoffSize).tag("queue", "backoff").register(registry);
        Gauge.builder("scheduler.pending.pods", queue, SchedulingQueue::unschedulableSize).tag("queue", "unschedulable")
                .register(registry);
    }

    private static Counter attempts(MeterRegistry registry, String result) {
        return Counter.builder("scheduler.schedule.attempts").description("Scheduling attempts by result")
                .tag("result", result).register(registry);
    }

    void recordBound(long firstSeenNanos) {
        e2eLatency.record(System.nanoTime() - firstSeenNanos, TimeUnit.NANOSECONDS);
    }
}
