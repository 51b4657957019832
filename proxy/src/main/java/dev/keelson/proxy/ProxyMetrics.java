package dev.keelson.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The proxy's Prometheus metrics, named after kube-proxy's. */
public final class ProxyMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer syncDuration;
    private final Timer fullSyncDuration;
    private final Timer partialSyncDuration;
    private final Timer programmingLatency;
    private final Counter syncFailures;
    private final AtomicLong natRules = new AtomicLong();
    private final AtomicLong filterRules = new AtomicLong();
    private final AtomicLong lastSyncMillis = new AtomicLong();

    public ProxyMetrics() {
        syncDuration = Timer.builder("keelson_proxy_sync_proxy_rules_duration")
                .description("time of one rule sync, full or partial")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        fullSyncDuration = Timer.builder("keelson_proxy_sync_full_proxy_rules_duration")
                .description("time of a sync that rewrote every chain")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        partialSyncDuration = Timer.builder("keelson_proxy_sync_partial_proxy_rules_duration")
                .description("time of a sync that rewrote only the chains of changed services")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        programmingLatency = Timer.builder("keelson_proxy_network_programming_duration")
                .description("endpoint change (last-change-trigger-time, else when observed) to rules applied")
                .publishPercentileHistogram().publishPercentiles(0.5, 0.9, 0.99)
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(120))
                .register(registry);
        syncFailures = Counter.builder("keelson_proxy_sync_proxy_rules_failures")
                .description("rule syncs that failed and were retried").register(registry);
        Gauge.builder("keelson_proxy_sync_proxy_rules_iptables", natRules, AtomicLong::get).tag("table", "nat")
                .description("rules the proxy owns").register(registry);
        Gauge.builder("keelson_proxy_sync_proxy_rules_iptables", filterRules, AtomicLong::get).tag("table", "filter")
                .description("rules the proxy owns").register(registry);
        Gauge.builder("keelson_proxy_sync_proxy_rules_last_timestamp_seconds", lastSyncMillis, v -> v.get() / 1000.0)
                .description("when rules were last applied successfully").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    void synced(Duration took, boolean partial, int nat, int filter, long nowMillis) {
        syncDuration.record(took);
        (partial ? partialSyncDuration : fullSyncDuration).record(took);
        natRules.set(nat);
        filterRules.set(filter);
        lastSyncMillis.set(nowMillis);
    }

    void syncFailed() {
        syncFailures.increment();
    }

    void programmed(Duration latency) {
        programmingLatency.record(latency.isNegative() ? Duration.ZERO : latency);
    }

    public Timer syncDuration() {
        return syncDuration;
    }

    public Timer fullSyncDuration() {
        return fullSyncDuration;
    }

    public Timer partialSyncDuration() {
        return partialSyncDuration;
    }

    public Timer programmingLatency() {
        return programmingLatency;
    }
}
