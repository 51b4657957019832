package dev.keelson.controllermanager;

import dev.keelson.componentbase.cli.ComponentFlags;
import dev.keelson.componentbase.leader.LeaderElection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How a ControllerManager runs: leader election, where /healthz and /metrics are served, which controllers
 * run with how many workers, and the node-related settings (pod CIDRs, heartbeat grace).
 *
 * @param common leader election and where /healthz and /metrics are served
 * @param controllers Kubernetes' --controllers syntax: {@code *} = all, {@code name} enables, {@code -name} disables
 * @param endpointUpdatesBatchPeriod how long pod changes are gathered before a Service's endpoints are rewritten
 * @param secondaryNodeEvictionRate node taints per second in a large zone that is partially disrupted
 * @param unhealthyZoneThreshold fraction of not-ready nodes (more than 2) from which a zone counts as partially disrupted
 * @param largeClusterSizeThreshold zones up to this size stop tainting entirely when partially disrupted
 * @param terminatedPodGcThreshold terminated pods kept before the oldest are deleted; 0 keeps all
 * @param clusterSigningCertFile the CA certificate csrsigning signs with (PEM); without it csrsigning does not run
 * @param clusterSigningKeyFile the CA key csrsigning signs with (PEM)
 * @param clusterSigningDuration the longest validity of a certificate csrsigning issues
 * @param clock the controllers' clock (tests move it to run CronJob schedules without waiting)
 * @param jobPodFailureBackoff the Job controller's first replacement delay after a failed pod (Kubernetes: 10 s,
 *     doubling per failure, capped at 6 min); not a kube-controller-manager flag, tests shorten it
 */
public record ControllerManagerOptions(
        ComponentFlags.Common common,
        String identity,
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
        int terminatedPodGcThreshold,
        Path clusterSigningCertFile,
        Path clusterSigningKeyFile,
        Duration clusterSigningDuration,
        java.time.Clock clock,
        Duration jobPodFailureBackoff) {

    public static final int DEFAULT_SECURE_PORT = 10257;
    /** Every controller this controller-manager knows, by its --controllers name. */
    public static final List<String> ALL_CONTROLLERS = Controllers.names();

    public ControllerManagerOptions {
        controllers = List.copyOf(controllers);
        for (String c : controllers) {
            String name = c.startsWith("-") ? c.substring(1) : c;
            if (!name.equals("*") && Controllers.byName(name).isEmpty()) {
                throw new IllegalArgumentException("unknown controller \"" + name + "\"; known: " + ALL_CONTROLLERS);
            }
        }
        if (unhealthyZoneThreshold <= 0 || unhealthyZoneThreshold > 1) {
            throw new IllegalArgumentException("unhealthy zone threshold must be in (0, 1]");
        }
        if (nodeEvictionRate < 0 || secondaryNodeEvictionRate < 0 || terminatedPodGcThreshold < 0) {
            throw new IllegalArgumentException("eviction rates and the terminated pod GC threshold must not be negative");
        }
        if ((clusterSigningCertFile == null) != (clusterSigningKeyFile == null)) {
            throw new IllegalArgumentException("--cluster-signing-cert-file and --cluster-signing-key-file go together");
        }
        if (nodeCidrMaskSize < 8 || nodeCidrMaskSize > 30) {
            throw new IllegalArgumentException("node CIDR mask size must be between 8 and 30");
        }
    }

    /** Kubernetes' kube-controller-manager defaults, with a fresh leader election identity. */
    public static ControllerManagerOptions defaults() {
        return builder().build();
    }

    /** A builder that starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * True if {@code name} runs under the --controllers setting, as kube-controller-manager decides: the first entry
     * naming it (by name or alias) wins, {@code -name} turning it off; otherwise {@code *} turns on every controller
     * not disabled by default.
     */
    public boolean enabled(String name) {
        Controllers.Descriptor d = Controllers.byName(name).orElse(null);
        if (d == null) {
            return false;
        }
        boolean star = false;
        for (String c : controllers) {
            if (c.equals(d.name()) || c.equals(d.alias())) {
                return true;
            }
            if (c.equals("-" + d.name()) || c.equals("-" + d.alias())) {
                return false;
            }
            star |= c.equals("*");
        }
        return star && !d.disabledByDefault();
    }

    public Set<String> enabledControllers() {
        return Set.copyOf(ALL_CONTROLLERS.stream().filter(this::enabled).toList());
    }

    /** Collects options one by one; unset ones keep kube-controller-manager's defaults. */
    public static final class Builder extends ComponentFlags.CommonBuilder<Builder> {
        private String identity = LeaderElection.defaultIdentity();
        private List<String> controllers = List.of("*");
        private String clusterCidr = "10.244.0.0/16";
        private int nodeCidrMaskSize = 24;
        private Duration nodeMonitorGracePeriod = Duration.ofSeconds(40);
        private Duration nodeMonitorPeriod = Duration.ofSeconds(5);
        private double nodeEvictionRate = 0.1;
        private int concurrentReplicaSetSyncs = 5;
        private int concurrentDeploymentSyncs = 5;
        private int concurrentGcSyncs = 20;
        private int concurrentNamespaceSyncs = 10;
        private int concurrentEndpointSyncs = 5;
        private int concurrentEndpointSliceSyncs = 5;
        private Duration endpointUpdatesBatchPeriod = Duration.ofMillis(500);
        private double secondaryNodeEvictionRate = 0.01;
        private double unhealthyZoneThreshold = 0.55;
        private int largeClusterSizeThreshold = 50;
        private int terminatedPodGcThreshold = 12500;
        private Path clusterSigningCertFile;
        private Path clusterSigningKeyFile;
        private Duration clusterSigningDuration = Duration.ofDays(365);
        private java.time.Clock clock = java.time.Clock.systemUTC();
        private Duration jobPodFailureBackoff = Duration.ofSeconds(10);

        private Builder() {
            super("kube-controller-manager", DEFAULT_SECURE_PORT);
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder identity(String identity) {
            this.identity = identity;
            return this;
        }

        public Builder controllers(List<String> controllers) {
            this.controllers = controllers;
            return this;
        }

        public Builder clusterCidr(String clusterCidr) {
            this.clusterCidr = clusterCidr;
            return this;
        }

        public Builder nodeCidrMaskSize(int nodeCidrMaskSize) {
            this.nodeCidrMaskSize = nodeCidrMaskSize;
            return this;
        }

        public Builder nodeMonitorGracePeriod(Duration nodeMonitorGracePeriod) {
            this.nodeMonitorGracePeriod = nodeMonitorGracePeriod;
            return this;
        }

        public Builder nodeMonitorPeriod(Duration nodeMonitorPeriod) {
            this.nodeMonitorPeriod = nodeMonitorPeriod;
            return this;
        }

        public Builder nodeEvictionRate(double nodeEvictionRate) {
            this.nodeEvictionRate = nodeEvictionRate;
            return this;
        }

        public Builder concurrentReplicaSetSyncs(int concurrentReplicaSetSyncs) {
            this.concurrentReplicaSetSyncs = concurrentReplicaSetSyncs;
            return this;
        }

        public Builder concurrentDeploymentSyncs(int concurrentDeploymentSyncs) {
            this.concurrentDeploymentSyncs = concurrentDeploymentSyncs;
            return this;
        }

        public Builder concurrentGcSyncs(int concurrentGcSyncs) {
            this.concurrentGcSyncs = concurrentGcSyncs;
            return this;
        }

        public Builder concurrentNamespaceSyncs(int concurrentNamespaceSyncs) {
            this.concurrentNamespaceSyncs = concurrentNamespaceSyncs;
            return this;
        }

        public Builder concurrentEndpointSyncs(int concurrentEndpointSyncs) {
            this.concurrentEndpointSyncs = concurrentEndpointSyncs;
            return this;
        }

        public Builder concurrentEndpointSliceSyncs(int concurrentEndpointSliceSyncs) {
            this.concurrentEndpointSliceSyncs = concurrentEndpointSliceSyncs;
            return this;
        }

        public Builder endpointUpdatesBatchPeriod(Duration endpointUpdatesBatchPeriod) {
            this.endpointUpdatesBatchPeriod = endpointUpdatesBatchPeriod;
            return this;
        }

        public Builder secondaryNodeEvictionRate(double secondaryNodeEvictionRate) {
            this.secondaryNodeEvictionRate = secondaryNodeEvictionRate;
            return this;
        }

        public Builder unhealthyZoneThreshold(double unhealthyZoneThreshold) {
            this.unhealthyZoneThreshold = unhealthyZoneThreshold;
            return this;
        }

        public Builder largeClusterSizeThreshold(int largeClusterSizeThreshold) {
            this.largeClusterSizeThreshold = largeClusterSizeThreshold;
            return this;
        }

        public Builder terminatedPodGcThreshold(int terminatedPodGcThreshold) {
            this.terminatedPodGcThreshold = terminatedPodGcThreshold;
            return this;
        }

        public Builder clusterSigning(Path certFile, Path keyFile) {
            this.clusterSigningCertFile = certFile;
            this.clusterSigningKeyFile = keyFile;
            return this;
        }

        public Builder clusterSigningDuration(Duration clusterSigningDuration) {
            this.clusterSigningDuration = clusterSigningDuration;
            return this;
        }

        public Builder clock(java.time.Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder jobPodFailureBackoff(Duration jobPodFailureBackoff) {
            this.jobPodFailureBackoff = jobPodFailureBackoff;
            return this;
        }

        /** @throws IllegalArgumentException if the options contradict each other or name an unknown controller */
        public ControllerManagerOptions build() {
            return new ControllerManagerOptions(buildCommon(), identity, controllers, clusterCidr, nodeCidrMaskSize, nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate, concurrentReplicaSetSyncs, concurrentDeploymentSyncs, concurrentGcSyncs, concurrentNamespaceSyncs, concurrentEndpointSyncs, concurrentEndpointSliceSyncs, endpointUpdatesBatchPeriod, secondaryNodeEvictionRate, unhealthyZoneThreshold, largeClusterSizeThreshold, terminatedPodGcThreshold, clusterSigningCertFile, clusterSigningKeyFile, clusterSigningDuration, clock, jobPodFailureBackoff);
        }
    }
}
