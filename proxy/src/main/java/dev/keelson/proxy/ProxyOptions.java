package dev.keelson.proxy;

import java.time.Duration;
import java.util.List;

/**
 * Settings of one node's proxy.
 *
 * @param nodeName       this node: its own podCIDR gets no route, and Local traffic policies keep to its endpoints
 * @param clusterCidr    pod addresses; traffic from them to a service is not masqueraded
 * @param minSyncPeriod  shortest time between sync starts (two may follow each other after a quiet spell): changes
 *                       arriving faster than this are applied together
 * @param syncPeriod     resync interval: the tables are read and chains that differ from the wanted rules (changed
 *                       by hand, say) are rewritten; routes are checked too
 * @param bindAddress    address of the healthz and metrics servers
 * @param healthzPort    /healthz port, 0 for a free one
 * @param metricsPort    /metrics port, 0 for a free one
 * @param commandPrefix  put before every iptables/ip/conntrack call, e.g. {@code ip netns exec NODE} for a node
 *                       that lives in a network namespace; empty for the host
 */
public record ProxyOptions(String nodeName, String clusterCidr, Duration minSyncPeriod, Duration syncPeriod,
                           String bindAddress, int healthzPort, int metricsPort, List<String> commandPrefix) {
    public static final String DEFAULT_CLUSTER_CIDR = "10.244.0.0/16";
    public static final int DEFAULT_HEALTHZ_PORT = 10256;
    public static final int DEFAULT_METRICS_PORT = 10249;

    public ProxyOptions {
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("node name is required");
        }
        if (!clusterCidr.matches("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}")) {
            throw new IllegalArgumentException("cluster CIDR must be an IPv4 CIDR such as 10.244.0.0/16, got "
                    + clusterCidr);
        }
        if (minSyncPeriod.isNegative() || syncPeriod.isNegative() || syncPeriod.isZero()) {
            throw new IllegalArgumentException("sync periods must be positive");
        }
        commandPrefix = List.copyOf(commandPrefix);
    }

    public static ProxyOptions defaults(String nodeName) {
        return new ProxyOptions(nodeName, DEFAULT_CLUSTER_CIDR, Duration.ofSeconds(1), Duration.ofSeconds(30),
                "0.0.0.0", DEFAULT_HEALTHZ_PORT, DEFAULT_METRICS_PORT, List.of());
    }

    public ProxyOptions withClusterCidr(String cidr) {
        return new ProxyOptions(nodeName, cidr, minSyncPeriod, syncPeriod, bindAddress, healthzPort, metricsPort,
                commandPrefix);
    }

    public ProxyOptions withSyncPeriods(Duration min, Duration full) {
        return new ProxyOptions(nodeName, clusterCidr, min, full, bindAddress, healthzPort, metricsPort,
                commandPrefix);
    }

    public ProxyOptions withServer(String address, int healthz, int metrics) {
        return new ProxyOptions(nodeName, clusterCidr, minSyncPeriod, syncPeriod, address, healthz, metrics,
                commandPrefix);
    }

    public ProxyOptions withCommandPrefix(List<String> prefix) {
        return new ProxyOptions(nodeName, clusterCidr, minSyncPeriod, syncPeriod, bindAddress, healthzPort,
                metricsPort, prefix);
    }

    /** As kube-proxy: unhealthy once changes have waited, or syncs have failed, for two sync periods. */
    public Duration healthTimeout() {
        return syncPeriod.multipliedBy(2);
    }
}
