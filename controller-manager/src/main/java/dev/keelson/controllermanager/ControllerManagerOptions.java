package dev.keelson.controllermanager;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How a ControllerManager runs: leader election, where /healthz and /metrics are served, which controllers
 * run with how many workers, and the node-related settings (pod CIDRs, heartbeat grace).
 *
 * @param securePort port for /healthz and /metrics; 0 picks a free one, -1 serves nothing
 * @param controllers Kubernetes' --controllers syntax: {@code *} = all, {@code name} enables, {@code -name} disables
 * @param endpointUpdatesBatchPeriod how long pod changes are gathered before a Service's endpoints are rewritten
 * @param secondaryNodeEvictionRate node taints per second in a large zone that is partially disrupted
 * @param unhealthyZoneThreshold fraction of not-ready nodes (more than 2) from which a zone counts as partially disrupted
 * @param largeClusterSizeThreshold zones up to this size stop tainting entirely when partially disrupted
 * @param terminatedPodGcThreshold terminated pods kept before the oldest are deleted; 0 keeps all
 */
public record ControllerManagerOptions(
        boolean leaderElect,
        String leaseNamespace,
        String leaseName,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        String identity,
        String bindAddress,
        int securePort,
        List<String> controllers,
        String clusterCidr,
        int nodeCidrMaskSize,
        Duration nodeMonitorGracePeriod,
        Duration nodeMonitorPeriod,
        double nodeEvictionRate,
        int concurrentReplicaSetSyncs,
        int concurrentDeploymentSyncs,
        int concurrentGcSyncs,
        int concurrentNamespaceSyncs,
        int concurrentEndpointSyncs,
        int concurrentEndpointSliceSyncs,
        Duration endpointUpdatesBatchPeriod,
        double secondaryNodeEvictionRate,
        double unhealthyZoneThreshold,
        int largeClusterSizeThreshold,
        int terminatedPodGcThreshold) {

    public static final int DEFAULT_SECURE_PORT = 10257;
    /** Every controller this controller-manager knows, by its --controllers name. */
    public static final List<String> ALL_CONTROLLERS = List.of("replicaset", "deployment", "garbagecollector",
            "namespace", "nodelifecycle", "nodeipam", "endpoint", "endpointslice", "podgc");

    public ControllerManagerOptions {
        controllers = List.copyOf(controllers);
        for (String c : controllers) {
            String name = c.startsWith("-") ? c.substring(1) : c;
            if (!name.equals("*") && !ALL_CONTROLLERS.contains(name)) {
                throw new IllegalArgumentException("unknown controller \"" + name + "\"; known: " + ALL_CONTROLLERS);
            }
        }
        if (leaderElect && !(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0)) {
            throw new IllegalArgumentException("leader election needs lease duration > renew deadline > retry period");
        }
        if (unhealthyZoneThreshold <= 0 || unhealthyZoneThreshold > 1) {
            throw new IllegalArgumentException("unhealthy zone threshold must be in (0, 1]");
        }
        if (nodeEvictionRate < 0 || secondaryNodeEvictionRate < 0 || terminatedPodGcThreshold < 0) {
            throw new IllegalArgumentException("eviction rates and the terminated pod GC threshold must not be negative");
        }
        if (nodeCidrMaskSize < 8 || nodeCidrMaskSize > 30) {
            throw new IllegalArgumentException("node CIDR mask size must be between 8 and 30");
        }
    }

    public static ControllerManagerOptions defaults() {
        return new ControllerManagerOptions(true, "kube-system", "kube-controller-manager", Duration.ofSeconds(15),
                Duration.ofSeconds(10), Duration.ofSeconds(2), defaultIdentity(), "0.0.0.0", DEFAULT_SECURE_PORT,
                List.of("*"), "10.244.0.0/16", 24, Duration.ofSeconds(40), Duration.ofSeconds(5), 0.1,
                5, 5, 20, 10, 5, 5, Duration.ofMillis(500), 0.01, 0.55, 50, 12500);
    }

    /** True if {@code name} runs under the --controllers setting. */
    public boolean enabled(String name) {
        if (controllers.contains("-" + name)) {
            return false;
        }
        return controllers.contains(name) || controllers.contains("*");
    }

    public Set<String> enabledControllers() {
        return Set.copyOf(ALL_CONTROLLERS.stream().filter(this::enabled).toList());
    }

    public ControllerManagerOptions withLeaderElect(boolean elect) {
        return new ControllerManagerOptions(elect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, controllers, clusterCidr, nodeCidrMaskSize,
                nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate, concurrentReplicaSetSyncs,
                concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs,
                concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate,
                unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold);
    }

    public ControllerManagerOptions withSecurePort(String address, int port) {
        return new ControllerManagerOptions(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, address, port, controllers, clusterCidr, nodeCidrMaskSize,
                nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate, concurrentReplicaSetSyncs,
                concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs,
                concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate,
                unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold);
    }

    public ControllerManagerOptions withControllers(List<String> names) {
        return new ControllerManagerOptions(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, names, clusterCidr, nodeCidrMaskSize,
                nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate, concurrentReplicaSetSyncs,
                concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs,
                concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate,
                unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold);
    }

    public ControllerManagerOptions withClusterCidr(String cidr) {
        return new ControllerManagerOptions(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, controllers, cidr, nodeCidrMaskSize,
                nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate, concurrentReplicaSetSyncs,
                concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs,
                concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate,
                unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold);
    }

    public ControllerManagerOptions withNodeMonitor(Duration gracePeriod, Duration period, double evictionRate) {
        return new ControllerManagerOptions(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, controllers, clusterCidr, nodeCidrMaskSize,
                gracePeriod, period, evictionRate, concurrentReplicaSetSyncs,
                concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs,
                concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate,
                unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold);
    }

    public ControllerManagerOptions withLeaderElection(String identity, Duration lease, Duration renew, Duration retry) {
        return new ControllerManagerOptions(leaderElect, leaseNamespace, leaseName, lease, renew,
                retry, identity, bindAddress, securePort, controllers, clusterCidr, nodeCidrMaskSize,
                nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate, concurrentReplicaSetSyncs,
                concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs,
                concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate,
                unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold);
    }

    static String defaultIdentity() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return host + "_" + java.util.UUID.randomUUID();
    }
}
