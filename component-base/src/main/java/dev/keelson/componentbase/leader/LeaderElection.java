package dev.keelson.componentbase.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One campaign for a coordination.k8s.io/v1 Lease (fabric8's LeaderElector), so that of several replicas of a
 * component only one acts. {@code onStartedLeading} runs when this instance becomes leader; {@code onStoppedLeading}
 * when it loses the lease or cannot renew it within the renew deadline (the component should then stop acting and
 * may campaign again with a new LeaderElection). {@link #close} releases a held lease so a standby takes over at once.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);
    /** The end of the latest campaign per lease and identity: a new one waits for it (see {@link #start}). */
    private static final Map<String, CompletableFuture<Void>> LATEST = new ConcurrentHashMap<>();

    /** Lease timings; Kubernetes' defaults are 15 s lease, 10 s renew deadline, 2 s retry. */
    public record Options(String namespace, String leaseName, String identity, Duration leaseDuration,
                          Duration renewDeadline, Duration retryPeriod) {
        public static Options defaults(String namespace, String leaseName, String identity) {
            return new Options(namespace, leaseName, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
                    Duration.ofSeconds(2));
        }
    }

    private final Options options;
    private final Runnable onStoppedLeading;
    private final LeaseRecordLock lock;
    private final AtomicBoolean leader = new AtomicBoolean();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final ExecutorService executor;
    private final ScheduledExecutorService watchdog;
    private CompletableFuture<?> running;
    private volatile boolean closing;

    private LeaderElection(Options options, Runnable onStoppedLeading) {
        this.options = options;
        this.onStoppedLeading = onStoppedLeading;
        this.lock = new LeaseRecordLock(options.namespace(), options.leaseName(), options.identity());
        this.executor = Executors.newSingleThreadExecutor(daemon("leader-election-" + options.leaseName()));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("leader-election-watchdog-" + options.leaseName()));
    }

    /**
     * Starts campaigning in the background; callbacks run on the election's own threads. A campaign under the same
     * lease and identity as an earlier one that is still ending (releasing its lease) begins once that one has
     * ended, so that the earlier one's release cannot take the lease from under the new one.
     */
    public static LeaderElection start(KubernetesClient client, Options options, Runnable onStartedLeading,
                                       Runnable onStoppedLeading) {
        LeaderElection election = new LeaderElection(options, onStoppedLeading);
        String key = options.namespace() + "/" + options.leaseName() + "/" + options.identity();
        CompletableFuture<Void> previous = LATEST.put(key, election.ended);
        election.ended.whenComplete((v, e) -> LATEST.remove(key, election.ended));
        Runnable begin = () -> election.begin(client, onStartedLeading);
        if (previous == null) {
            begin.run();
        } else {
            previous.whenComplete((v, e) -> begin.run());
        }
        return election;
    }

    private void begin(KubernetesClient client, Runnable onStartedLeading) {
        CompletableFuture<?> elector;
        synchronized (this) {
            if (closing) {
                ended.complete(null);
                return;
            }
            // scheduled before close() can shut the watchdog down, which it does only after this block
            long period = options.retryPeriod().toMillis();
            watchdog.scheduleWithFixedDelay(this::checkRenewed, period, period, TimeUnit.MILLISECONDS);
            running = elector = new LeaderElectorBuilder(client, executor).withConfig(new LeaderElectionConfigBuilder()
                    .withName(options.leaseName())
                    .withLock(lock)
                    .withLeaseDuration(options.leaseDuration())
                    .withRenewDeadline(options.renewDeadline())
                    .withRetryPeriod(options.retryPeriod())
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(new LeaderCallbacks(() -> startedLeading(onStartedLeading), this::stoppedLeading,
                            newLeader -> log.info("lease {}/{} is held by {}", options.namespace(), options.leaseName(),
                                    newLeader == null || newLeader.isEmpty() ? "nobody" : newLeader)))
                    .build()).build().start();
        }
        // a cancelled elector releases the lease after its future completes, on the cancelling thread: that thread ends it
        elector.whenComplete((v, e) -> {
            if (!elector.isCancelled()) {
                end();
            }
        });
    }

    private void startedLeading(Runnable onStartedLeading) {
        if (closing) {
            return;
        }
        log.info("{} became leader of lease {}/{}", options.identity(), options.namespace(), options.leaseName());
        leader.set(true);
        onStartedLeading.run();
    }

    private void stoppedLeading() {
        if (leader.getAndSet(false) && !closing) {
            log.info("{} stopped leading lease {}/{}", options.identity(), options.namespace(), options.leaseName());
            onStoppedLeading.run();
        }
    }

    /**
     * A leader must stop acting once it has not renewed within the renew deadline, before the lease can expire for
     * the others. fabric8's elector checks its deadline only between requests, and a request to an unreachable
     * apiserver can hang, with retries, for longer than the lease; so the deadline is watched from this thread.
     */
    private void checkRenewed() {
        if (!leader.get() || System.nanoTime() - lock.lastRenewedNanos() <= options.renewDeadline().toNanos()) {
            return;
        }
        log.warn("{} has not renewed lease {}/{} within {}; stepping down", options.identity(), options.namespace(),
                options.leaseName(), options.renewDeadline());
        stoppedLeading();
        CompletableFuture<?> elector;
        synchronized (this) {
            elector = running;
        }
        // waits for the stuck renewal; the elector then releases the lease if it can still reach the apiserver
        if (elector != null && elector.cancel(true)) {
            end();
        }
    }

    private void end() {
        watchdog.shutdownNow();
        executor.shutdown();
        ended.complete(null);
    }

    public boolean isLeader() {
        return leader.get();
    }

    /** Completes when this campaign is over: the lease was lost, given up or released, or the election closed. */
    public CompletableFuture<Void> ended() {
        return ended;
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

    /**
     * Stops campaigning and, if this instance holds the lease, releases it as client-go does (no holder, a lease
     * of 1 s), waiting at most the renew deadline for the apiserver. {@code onStoppedLeading} is not called: the
     * caller stops acting before it closes the election.
     */
    @Override
    public void close() {
        CompletableFuture<?> elector;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            elector = running;
        }
        watchdog.shutdownNow();
        if (elector == null) {
            end();
            return;
        }
        leader.set(false);
        // cancelling runs the release on the cancelling thread; a thread of its own bounds how long close waits
        Thread release = daemon("leader-election-release-" + options.leaseName()).newThread(() -> {
            if (elector.cancel(true)) {
                end();
            }
        });
        release.start();
        try {
            release.join(options.renewDeadline().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (release.isAlive()) {
            log.warn("{} could not release lease {}/{} within {}; it expires after {}", options.identity(),
                    options.namespace(), options.leaseName(), options.renewDeadline(), options.leaseDuration());
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
