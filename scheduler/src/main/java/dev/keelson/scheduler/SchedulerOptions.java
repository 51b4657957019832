package dev.keelson.scheduler;

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
        if (leaderElect && !(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0)) {
            throw new IllegalArgumentException("leader election needs lease duration > renew deadline > retry period");
        }
    }

    public static SchedulerOptions defaults() {
        return new SchedulerOptions(DEFAULT_SCHEDULER_NAME, true, "kube-system", "kube-scheduler",
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), defaultIdentity(),
                "0.0.0.0", DEFAULT_SECURE_PORT, Map.of(), 0, 256);
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

    public SchedulerOptions withLeaderElect(boolean elect) {
        return new SchedulerOptions(schedulerName, elect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, scoreWeights, percentageOfNodesToScore, maxInFlightBinds);
    }

    public SchedulerOptions withLeaderElection(Duration lease, Duration renew, Duration retry) {
        return new SchedulerOptions(schedulerName, leaderElect, leaseNamespace, leaseName, lease, renew,
                retry, identity, bindAddress, securePort, scoreWeights, percentageOfNodesToScore, maxInFlightBinds);
    }

    public SchedulerOptions withIdentity(String id) {
        return new SchedulerOptions(schedulerName, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, id, bindAddress, securePort, scoreWeights, percentageOfNodesToScore, maxInFlightBinds);
    }

    public SchedulerOptions withServing(String address, int port) {
        return new SchedulerOptions(schedulerName, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, address, port, scoreWeights, percentageOfNodesToScore, maxInFlightBinds);
    }

    public SchedulerOptions withSchedulerName(String name) {
        return new SchedulerOptions(name, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, scoreWeights, percentageOfNodesToScore, maxInFlightBinds);
    }

    public SchedulerOptions withScoring(Map<String, Integer> weights, int percentage) {
        return new SchedulerOptions(schedulerName, leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, identity, bindAddress, securePort, weights, percentage, maxInFlightBinds);
    }
}
