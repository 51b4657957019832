package dev.keelson.proxy.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keelson.proxy.Proxy;
import dev.keelson.proxy.ProxyOptions;
import dev.keelson.proxy.rules.ServiceCatalog;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, run on demand only ({@code -Dtest=ProgrammingLatencyBench}): network programming latency, from
 * an EndpointSlice change written to the apiserver (its last-change-trigger-time annotation) to the rules
 * applied by the proxy, under 100 changes/s, and the time of a full sync of 1,000 Services x 3 endpoints
 * generated through the API. The proxy programs a network namespace of its own. Prints numbers only.
 */
class ProgrammingLatencyBench {
    static final int RATE_PER_SECOND = 100;
    static final Duration LOAD = Duration.ofSeconds(30);
    static final String NS = "kpx-bench";

    @Test
    void programmingLatencyUnderHundredChangesPerSecond() throws Exception {
        assumeTrue(dev.keelson.proxy.e2e.ApiClusterAccess.available(), "apiserver TestCluster not installed");
        String netns = String.format("kpxlat%04x", ThreadLocalRandom.current().nextInt(0x10000));
        new ProcessBuilder("ip", "netns", "add", netns).inheritIO().start().waitFor();
        try (var cluster = dev.keelson.proxy.e2e.ApiClusterAccess.start()) {
            KubernetesClient client = cluster.client();
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                    .create();
            List<EndpointSlice> slices = SyncBench.slices();
            for (int i = 0; i < SyncBench.SERVICES; i++) {
                var s = SyncBench.services().get(i);
                s.getMetadata().setNamespace(NS);
                client.services().inNamespace(NS).resource(s).create();
                EndpointSlice slice = slices.get(i);
                slice.getMetadata().setNamespace(NS);
                client.discovery().v1().endpointSlices().inNamespace(NS).resource(slice).create();
            }
            ProxyOptions defaults = ProxyOptions.defaults("bench-node");
            ProxyOptions options = defaults.withServer("127.0.0.1", 0, 0)
                    .withCommandPrefix(List.of("ip", "netns", "exec", netns))
                    .withSyncPeriods(Duration.ofMillis(Long.getLong("bench.minSyncMillis",
                            defaults.minSyncPeriod().toMillis())), defaults.syncPeriod());
            try (Proxy proxy = new Proxy(client, options)) {
                proxy.start();
                waitForSyncs(proxy, 3);
                System.out.printf("ProgrammingLatencyBench: full sync of %d services x %d endpoints through the"
                                + " API: mean %.1f ms over %d syncs, max %.1f ms%n", SyncBench.SERVICES,
                        SyncBench.ENDPOINTS, proxy.metrics().syncDuration().mean(TimeUnit.MILLISECONDS),
                        proxy.metrics().syncDuration().count(), proxy.metrics().syncDuration().max(TimeUnit.MILLISECONDS));

                ScheduledExecutorService load = Executors.newScheduledThreadPool(8);
                AtomicInteger sent = new AtomicInteger();
                long before = proxy.metrics().programmingLatency().count();
                long fullBefore = proxy.metrics().fullSyncDuration().count();
                double fullTimeBefore = proxy.metrics().fullSyncDuration().totalTime(TimeUnit.MILLISECONDS);
                long partialBefore = proxy.metrics().partialSyncDuration().count();
                double partialTimeBefore = proxy.metrics().partialSyncDuration().totalTime(TimeUnit.MILLISECONDS);
                load.scheduleAtFixedRate(() -> load.execute(() -> change(client, sent.getAndIncrement())), 0,
                        1000 / RATE_PER_SECOND, TimeUnit.MILLISECONDS);
                Thread.sleep(LOAD.toMillis());
                load.shutdownNow();
                load.awaitTermination(10, TimeUnit.SECONDS);
                Thread.sleep(options.minSyncPeriod().toMillis() * 3);
                var snapshot = proxy.metrics().programmingLatency().takeSnapshot();
                StringBuilder percentiles = new StringBuilder();
                for (ValueAtPercentile p : snapshot.percentileValues()) {
                    percentiles.append(String.format(" p%.0f=%.0f ms", p.percentile() * 100,
                            p.value(TimeUnit.MILLISECONDS)));
                }
                System.out.printf("  min-sync-period %d ms: %d changes sent in %s (%d/s target); %d latencies"
                                + " recorded;%s; max %.0f ms%n", options.minSyncPeriod().toMillis(), sent.get(), LOAD,
                        RATE_PER_SECOND, snapshot.count() - before, percentiles, snapshot.max(TimeUnit.MILLISECONDS));
                long fulls = proxy.metrics().fullSyncDuration().count() - fullBefore;
                long partials = proxy.metrics().partialSyncDuration().count() - partialBefore;
                double partialMean = (proxy.metrics().partialSyncDuration().totalTime(TimeUnit.MILLISECONDS)
                        - partialTimeBefore) / Math.max(1, partials);
                System.out.printf("  syncs during the load: %d full or resync (mean %.0f ms), %d partial (mean %.0f ms)%n",
                        fulls, (proxy.metrics().fullSyncDuration().totalTime(TimeUnit.MILLISECONDS) - fullTimeBefore)
                                / Math.max(1, fulls), partials, partialMean);
                // a change arriving just after a sync took its snapshot waits for the next start, then that sync
                System.out.printf("  bound on p99: 0.99 x min-sync-period + mean partial sync = %.0f ms%n",
                        0.99 * options.minSyncPeriod().toMillis() + partialMean);
            }
        } finally {
            new ProcessBuilder("ip", "netns", "del", netns).inheritIO().start().waitFor();
        }
    }

    private static void waitForSyncs(Proxy proxy, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (proxy.metrics().syncDuration().count() < n && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    /** Moves one endpoint of one service to a new address and stamps when the change happened. */
    private static void change(KubernetesClient client, int seq) {
        int service = seq % SyncBench.SERVICES;
        String ip = "10.245." + (seq / 250 % 250) + "." + (seq % 250 + 1);
        client.discovery().v1().endpointSlices().inNamespace(NS).withName("svc-" + service + "-x").edit(slice -> {
            List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>(slice.getEndpoints());
            endpoints.set(0, new EndpointBuilder().withAddresses(ip).withNodeName("bench-node")
                    .withNewConditions().withReady(true).endConditions().build());
            return new EndpointSliceBuilder(slice).editMetadata()
                    .addToAnnotations("endpoints.kubernetes.io/last-change-trigger-time", Instant.now().toString())
                    .endMetadata().withEndpoints(endpoints).build();
        });
    }
}
