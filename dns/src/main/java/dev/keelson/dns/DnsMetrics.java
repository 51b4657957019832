package dev.keelson.dns;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.Rcode;

/** The DNS server's Prometheus metrics (CoreDNS names its own coredns_dns_responses_total and so on). */
public final class DnsMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Integer, Counter> responses = new ConcurrentHashMap<>();
    private final Counter dropped;
    private final Counter cacheHits;
    private final Counter cacheMisses;

    public DnsMetrics() {
        dropped = Counter.builder("keelson_dns_dropped_total")
                .description("datagrams dropped: not queries, or shorter than a DNS header").register(registry);
        cacheHits = Counter.builder("keelson_dns_cache_hits_total")
                .description("upstream answers served from the cache").register(registry);
        cacheMisses = Counter.builder("keelson_dns_cache_misses_total")
                .description("queries sent to an upstream server").register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    void answered(int rcode, boolean upstream) {
        responses.computeIfAbsent(rcode * 2 + (upstream ? 1 : 0), k -> Counter.builder("keelson_dns_responses_total")
                .description("answers sent, by rcode and by where the answer came from")
                .tag("rcode", Rcode.string(rcode)).tag("source", upstream ? "upstream" : "cluster")
                .register(registry)).increment();
    }

    void dropped() {
        dropped.increment();
    }

    void cacheHit() {
        cacheHits.increment();
    }

    void cacheMiss() {
        cacheMisses.increment();
    }
}
