package dev.keelson.scheduler;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.server.HealthServer;
import dev.keelson.scheduler.binder.ApiCallException;
import dev.keelson.scheduler.binder.ApiPoster;
import dev.keelson.scheduler.binder.Binder;
import dev.keelson.scheduler.binder.EventRecorder;
import dev.keelson.scheduler.binder.PodConditionWriter;
import dev.keelson.scheduler.cache.SchedulerCache;
import dev.keelson.scheduler.framework.Framework;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScheduleResult;
import dev.keelson.scheduler.queue.QueuedPod;
import dev.keelson.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler component: informers feed the cache and the queue; while this instance leads, one
 * loop pops a pod, runs the framework against the cache, assumes the result and binds asynchronously;
 * failures are explained with a FailedScheduling event and the PodScheduled condition.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final KubernetesClient client;
    private final SchedulerOptions options;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SchedulerCache cache = new SchedulerCache();
    private final SchedulingQueue queue = SchedulingQueue.withDefaults();
    private final Framework framework;
    private final SchedulerMetrics metrics;
    private final Binder binder;
    private final EventRecorder events;
    private final PodConditionWriter conditions;

    private SharedIndexInformer<Node> nodeInformer;
    private SharedIndexInformer<Pod> podInformer;
    private HealthServer healthServer;
    private CompletableFuture<?> election;
    private Thread loop;
    private volatile boolean leading;
    private volatile boolean closed;
    /** Last time this instance saw the Lease held by it and freshly renewed (see {@link #checkLease}). */
    private volatile long leaseConfirmedNanos;
    private final AtomicBoolean leaseReadInFlight = new AtomicBoolean();
    private final ScheduledExecutorService leaseWatchdog = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "scheduler-lease-watchdog");
        t.setDaemon(true);
        return t;
    });

    public Scheduler(KubernetesClient client, SchedulerOptions options) {
        this.client = client;
        this.options = options;
        this.framework = Framework.withDefaultPlugins(options.scoreWeights(), options.percentageOfNodesToScore(), new Random());
        this.metrics = new SchedulerMetrics(registry, queue);
        ApiPoster poster = new ApiPoster(client);
        this.binder = new Binder(poster, options.maxInFlightBinds());
        this.events = new EventRecorder(poster, options.schedulerName(), options.identity(), 10_000, 16,
                metrics.eventsDropped::increment);
        this.conditions = new PodConditionWriter(client);
    }

    public synchronized void start() {
        if (options.securePort() >= 0) {
            healthServer = HealthServer.start(VertxHolder.get(), options.bindAddress(), options.securePort(), registry,
                    this::healthy);
        }
        nodeInformer = client.nodes().inform(new NodeEventHandler(cache, queue), 0);
        podInformer = client.pods().inAnyNamespace().inform(new PodEventHandler(options.schedulerName(), cache, queue), 0);
        LOG.info("scheduler {} synced {} nodes and {} pods", options.identity(), cache.nodeCount(), cache.podCount());
        if (options.leaderElect()) {
            long period = options.retryPeriod().toMillis();
            leaseWatchdog.scheduleAtFixedRate(this::checkLease, period, period, TimeUnit.MILLISECONDS);
            campaign();
        } else {
            startLeading();
        }
    }

    private synchronized void campaign() {
        if (closed) {
            return;
        }
        var config = new LeaderElectionConfigBuilder()
                .withName(options.leaseName())
                .withLock(new LeaseLock(options.leaseNamespace(), options.leaseName(), options.identity()))
                .withLeaseDuration(options.leaseDuration())
                .withRenewDeadline(options.renewDeadline())
                .withRetryPeriod(options.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
                        leader -> LOG.info("scheduler leader is now {}", leader)))
                .build();
        election = client.leaderElector().withConfig(config).build().start();
        election.whenComplete((v, e) -> {
            if (!closed) {
                LOG.info("scheduler {} left the election ({}); campaigning again", options.identity(),
                        e == null ? "lost the lease" : e.getMessage());
                campaign();
            }
        });
    }

    private synchronized void startLeading() {
        if (closed || leading) {
            return;
        }
        LOG.info("scheduler {} is leading", options.identity());
        leaseConfirmedNanos = System.nanoTime();
        leading = true;
        loop = new Thread(this::runLoop, "scheduler-loop");
        loop.setDaemon(true);
        loop.start();
    }

    private void stopLeading() {
        Thread t;
        synchronized (this) {
            if (!leading) {
                return;
            }
            LOG.info("scheduler {} stopped leading", options.identity());
            leading = false;
            t = loop;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The leader must stop scheduling once it cannot renew for the renew deadline. fabric8's elector does not
     * always notice in time when the apiserver becomes unreachable (its requests retry for longer than the
     * lease), so the leader also reads the Lease itself, without waiting on a stuck read, and steps down
     * when it has not seen its own fresh renewal within the renew deadline; then it campaigns again.
     */
    private void checkLease() {
        if (!leading || closed) {
            return;
        }
        if (leaseReadInFlight.compareAndSet(false, true)) {
            leaseWatchdog.execute(() -> {
                try {
                    Lease lease = client.leases().inNamespace(options.leaseNamespace()).withName(options.leaseName()).get();
                    if (lease != null && lease.getSpec() != null && options.identity().equals(lease.getSpec().getHolderIdentity())
                            && lease.getSpec().getRenewTime() != null
                            && lease.getSpec().getRenewTime().toInstant().plus(options.leaseDuration()).isAfter(Instant.now())) {
                        leaseConfirmedNanos = System.nanoTime();
                    }
                } catch (RuntimeException e) {
                    LOG.debug("cannot read the election lease: {}", e.getMessage());
                } finally {
                    leaseReadInFlight.set(false);
                }
            });
        }
        if (System.nanoTime() - leaseConfirmedNanos > options.renewDeadline().toNanos()) {
            LOG.warn("scheduler {} has not renewed its lease within {}; stepping down", options.identity(), options.renewDeadline());
            stopLeading();
            CompletableFuture<?> e = election;
            if (e != null) {
                // ends this elector; its completion starts a new campaign
                e.cancel(true);
            }
        }
    }

    public boolean isLeader() {
        return leading;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /** The port /healthz and /metrics are served on, or -1. */
    public int healthPort() {
        return healthServer == null ? -1 : healthServer.actualPort();
    }

    private boolean healthy() {
        return !closed && nodeInformer != null && nodeInformer.isRunning() && podInformer.isRunning();
    }

    private void runLoop() {
        while (leading && !closed) {
            QueuedPod qp;
            try {
                qp = queue.pop(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                return;
            }
            if (qp == null) {
                continue;
            }
            if (!leading) {
                // lost the lease while waiting: leave the pod for whoever leads next (or for us, later)
                queue.addBackoff(qp);
                return;
            }
            try {
                scheduleOne(qp);
            } catch (InterruptedException e) {
                // interrupted while waiting for a binding slot: the pod was assumed but never sent
                cache.forget(qp.key());
                queue.addBackoff(qp);
                return;
            } catch (RuntimeException e) {
                LOG.warn("scheduling {} failed: {}", qp.key(), e.toString(), e);
                metrics.error.increment();
                cache.forget(qp.key());
                queue.addBackoff(qp);
            }
        }
    }

    private void scheduleOne(QueuedPod qp) throws InterruptedException {
        PodInfo pod = qp.info();
        String key = pod.key();
        if (cache.isAssumedOrBound(key)) {
            queue.done(key);
            return;
        }
        long start = System.nanoTime();
        ScheduleResult result = cache.locked(nodes -> {
            ScheduleResult r = framework.schedule(pod, nodes);
            if (r.scheduled()) {
                cache.assume(pod, r.nodeName());
            }
            return r;
        });
        metrics.algorithmLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (!result.scheduled()) {
            String message = result.fitError().message();
            LOG.debug("unable to schedule {}: {}", key, message);
            metrics.unschedulable.increment();
            queue.addUnschedulable(qp);
            events.record(pod.pod(), "Warning", "FailedScheduling", message);
            conditions.unschedulable(pod.pod(), message);
            return;
        }
        String node = result.nodeName();
        binder.bind(pod.pod(), node).whenComplete((v, error) -> {
            if (error == null) {
                metrics.scheduled.increment();
                metrics.recordBound(qp.firstSeenNanos());
                queue.done(key);
                events.record(pod.pod(), "Normal", "Scheduled",
                        "Successfully assigned " + key + " to " + node);
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            cache.forget(key);
            if (cause instanceof ApiCallException api && api.podGoneOrBound()) {
                // the informer will show the pod deleted or bound; nothing to retry
                LOG.debug("binding {} to {} refused: {}", key, node, cause.getMessage());
                queue.done(key);
                return;
            }
            LOG.warn("binding {} to {} failed: {}", key, node, cause.getMessage());
            metrics.error.increment();
            queue.addBackoff(qp);
            events.record(pod.pod(), "Warning", "FailedScheduling", "Binding rejected: " + cause.getMessage());
        });
    }

    @Override
    public void close() {
        CompletableFuture<?> e;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            e = election;
        }
        leaseWatchdog.shutdownNow();
        stopLeading();
        queue.close();
        if (e != null) {
            // cancelling with releaseOnCancel hands the lease over at once instead of after it expires
            e.cancel(true);
        }
        if (podInformer != null) {
            podInformer.stop();
        }
        if (nodeInformer != null) {
            nodeInformer.stop();
        }
        conditions.close();
        if (healthServer != null) {
            healthServer.close();
        }
        registry.close();
    }
}
