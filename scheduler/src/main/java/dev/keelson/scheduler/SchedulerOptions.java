package dev.keelson.scheduler;

import dev.keelson.componentbase.cli.ComponentFlags;
import dev.keelson.componentbase.leader.LeaderElection;
import java.util.Map;

/**
 * How a Scheduler runs: its name, leader election, where it serves /healthz and /metrics, and how it scores.
 *
 * @param common leader election and where /healthz and /metrics are served
 * @param scoreWeights overrides of the default score plugin weights by plugin name
 * @param percentageOfNodesToScore 0 = Kubernetes' adaptive share, 100 = every node
 * @param maxInFlightBinds binding requests allowed at once before the scheduling loop waits
 */
public record SchedulerOptions(
        String schedulerName,
        ComponentFlags.Common common,
        String identity,
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
    public static final class Builder extends ComponentFlags.CommonBuilder<Builder> {
        private String schedulerName = DEFAULT_SCHEDULER_NAME;
        private String identity = LeaderElection.defaultIdentity();
        private Map<String, Integer> scoreWeights = Map.of();
        private int percentageOfNodesToScore = 0;
        private int maxInFlightBinds = 256;

        private Builder() {
            super("kube-scheduler", DEFAULT_SECURE_PORT);
        }

        @Override
        protected Builder self() {
            return this;
        }

        public Builder schedulerName(String schedulerName) {
            this.schedulerName = schedulerName;
            return this;
        }

        public Builder identity(String identity) {
            this.identity = identity;
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
            return new SchedulerOptions(schedulerName, buildCommon(), identity, scoreWeights,
                    percentageOfNodesToScore, maxInFlightBinds);
        }
    }
}
