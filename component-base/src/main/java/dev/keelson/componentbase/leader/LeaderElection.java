package dev.keelson.componentbase.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a coordination.k8s.io/v1 Lease (fabric8's LeaderElector), so that of several replicas of
 * a component only one acts. {@code onStartedLeading} runs when this instance becomes leader;
 * {@code onStoppedLeading} when it loses the lease (the component should then stop acting, as Kubernetes
 * components exit). {@link #close} releases the lease so a standby takes over at once.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** Lease timings; Kubernetes' defaults are 15 s lease, 10 s renew deadline, 2 s retry. */
    public record Options(String namespace, String leaseName, String identity, Duration leaseDuration,
                          Duration renewDeadline, Duration retryPeriod) {
        public static Options defaults(String namespace, String leaseName, String identity) {
            return new Options(namespace, leaseName, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
                    Duration.ofSeconds(2));
        }
    }

    private final AtomicBoolean leader;
    private final ExecutorService executor;
    private final CompletableFuture<?> running;

    private LeaderElection(AtomicBoolean leader, ExecutorService executor, CompletableFuture<?> running) {
        this.leader = leader;
        this.executor = executor;
        this.running = running;
    }

    /** Starts campaigning in the background; callbacks run on the election's own thread. */
    public static LeaderElection start(KubernetesClient client, Options options, Runnable onStartedLeading,
                                       Runnable onStoppedLeading) {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "leader-election-" + options.leaseName());
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean leaderFlag = new AtomicBoolean();
        LeaderElector elector = new LeaderElectorBuilder(client, executor).withConfig(new LeaderElectionConfigBuilder()
                .withName(options.leaseName())
                .withLock(new LeaseLock(options.namespace(), options.leaseName(), options.identity()))
                .withLeaseDuration(options.leaseDuration())
                .withRenewDeadline(options.renewDeadline())
                .withRetryPeriod(options.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(
                        () -> {
                            log.info("{} became leader of lease {}/{}", options.identity(), options.namespace(),
                                    options.leaseName());
                            leaderFlag.set(true);
                            onStartedLeading.run();
                        },
                        () -> {
                            if (leaderFlag.getAndSet(false)) {
                                log.info("{} stopped leading lease {}/{}", options.identity(),
                                        options.namespace(), options.leaseName());
                                onStoppedLeading.run();
                            }
                        },
                        newLeader -> log.info("lease {}/{} is held by {}", options.namespace(),
                                options.leaseName(), newLeader)))
                .build()).build();
        return new LeaderElection(leaderFlag, executor, elector.start());
    }

    public boolean isLeader() {
        return leader.get();
    }

    /** A holder identity unique to this process: the host name and a random suffix, as Kubernetes components use. */
    public static String defaultIdentity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "_" + UUID.randomUUID();
    }

    /** Refuses timings with which a leader could lose its lease before it gives up renewing, as Kubernetes does. */
    public static void requireConsistentTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        if (!(leaseDuration.compareTo(renewDeadline) > 0 && renewDeadline.compareTo(retryPeriod) > 0)) {
            throw new IllegalArgumentException("leader election needs lease duration > renew deadline > retry period");
        }
    }

    /** Stops campaigning and releases the lease if held. */
    @Override
    public void close() {
        running.cancel(true);
        executor.shutdown();
    }
}
