package dev.keelson.scheduler;

import dev.keelson.componentbase.leader.LeaderElection;
import java.time.Duration;
import java.util.Map;

/**
 * How a Scheduler runs: its name, leader election, where it serves /healthz and /metrics, and how it scores.
 *
 * @param securePort port for /healthz and /metrics (0 picks a free one, -1 serves nothing)
 * @param scoreWeights overrides of the default score plugin weights by plugin name
 * @param percentageOfNodesToScore 0 = Kubernetes' adaptive share, 100 = every node
 * @param maxInFlightBinds binding requests allowed at once before the scheduling loop waits
 */
public record SchedulerOptions(
        String schedulerName,
        boolean leaderElect,
        String leaseNamespace,
        String leaseName,
        Duration leaseDuration,
        Duration renewDeadline,
        Duration retryPeriod,
        String identity,
        String bindAddress,
        int securePort,
        Map<String, Integer> scoreWeights,
        int percentageOfNodesToScore,
        int maxInFlightBinds) {

    public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";
    public static final int DEFAULT_SECURE_PORT = 10259;

    public SchedulerOptions {
        scoreWeights = Map.copyOf(scoreWeights);
        if (maxInFlightBinds < 1) {
            throw new IllegalArgumentException("maxInFlightBinds must be at least 1");
        }
        if (leaderElect) {
            LeaderElection.requireConsistentTimings(leaseDuration, renewDeadline, retryPeriod);
        }
    }

    /** Kubernetes' kube-scheduler defaults, with a fresh leader election identity. */
    public static SchedulerOptions defaults() {
        return builder().build();
    }

    /** A builder that starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects options one by one; unset ones keep kube-scheduler's defaults. */
    public static final class Builder {
        private String schedulerName = DEFAULT_SCHEDULER_NAME;
        private boolean leaderElect = true;
        private String leaseNamespace = "kube-system";
        private String leaseName = "kube-scheduler";
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline = Duration.ofSeconds(10);
        private Duration retryPeriod = Duration.ofSeconds(2);
        private String identity = LeaderElection.defaultIdentity();
        private String bindAddress = "0.0.0.0";
        private int securePort = DEFAULT_SECURE_PORT;
        private Map<String, Integer> scoreWeights = Map.of();
        private int percentageOfNodesToScore = 0;
        private int maxInFlightBinds = 256;

        private Builder() {
        }

        public Builder schedulerName(String schedulerName) {
            this.schedulerName = schedulerName;
            return this;
        }

        public Builder leaderElect(boolean leaderElect) {
            this.leaderElect = leaderElect;
            return this;
        }

        public Builder leaseNamespace(String leaseNamespace) {
            this.leaseNamespace = leaseNamespace;
            return this;
        }

        public Builder leaseName(String leaseName) {
            this.leaseName = leaseName;
            return this;
        }

        public Builder leaseDuration(Duration leaseDuration) {
            this.leaseDuration = leaseDuration;
            return this;
        }

        public Builder renewDeadline(Duration renewDeadline) {
            this.renewDeadline = renewDeadline;
            return this;
        }

        public Builder retryPeriod(Duration retryPeriod) {
            this.retryPeriod = retryPeriod;
            return this;
        }

        public Builder identity(String identity) {
            this.identity = identity;
            return this;
        }

        public Builder bindAddress(String bindAddress) {
            this.bindAddress = bindAddress;
            return this;
        }

        public Builder securePort(int securePort) {
            this.securePort = securePort;
            return this;
        }

        public Builder scoreWeights(Map<String, Integer> scoreWeights) {
            this.scoreWeights = scoreWeights;
            return this;
        }

        public Builder percentageOfNodesToScore(int percentageOfNodesToScore) {
            this.percentageOfNodesToScore = percentageOfNodesToScore;
            return this;
        }

        public Builder maxInFlightBinds(int maxInFlightBinds) {
            this.maxInFlightBinds = maxInFlightBinds;
            return this;
        }

        /** @throws IllegalArgumentException if the lease timings contradict each other or maxInFlightBinds is below 1 */
        public SchedulerOptions build() {
            return new SchedulerOptions(schedulerName, leaderElect, leaseNamespace, leaseName, leaseDuration,
                    renewDeadline, retryPeriod, identity, bindAddress, securePort, scoreWeights,
                    percentageOfNodesToScore, maxInFlightBinds);
        }
    }
}
