package dev.keelson.scheduler;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.client.AsyncApi;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.componentbase.leader.LeaderElection;
import dev.keelson.componentbase.server.HealthServer;
import dev.keelson.scheduler.binder.Binder;
import dev.keelson.scheduler.binder.PodConditionWriter;
import dev.keelson.scheduler.cache.SchedulerCache;
import dev.keelson.scheduler.framework.Framework;
import dev.keelson.scheduler.framework.plugins.VolumeBinding;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScheduleResult;
import dev.keelson.scheduler.queue.QueuedPod;
import dev.keelson.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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
    private final VolumeInformers volumeInformers;
    private final VolumeBinding volumeBinding;
    private final SchedulerMetrics metrics;
    private final Binder binder;
    private final EventRecorder events;
    private final PodConditionWriter conditions;

    private SharedIndexInformer<Node> nodeInformer;
    private SharedIndexInformer<Pod> podInformer;
    private HealthServer healthServer;
    private LeaderElection election;
    private Thread loop;
    private volatile boolean leading;
    private volatile boolean closed;

    public Scheduler(KubernetesClient client, SchedulerOptions options) {
        this.client = client;
        this.options = options;
        this.volumeInformers = new VolumeInformers(client);
        this.volumeBinding = new VolumeBinding(volumeInformers);
        this.framework = Framework.withDefaultPlugins(options.scoreWeights(), options.percentageOfNodesToScore(),
                new Random(), volumeBinding);
        this.metrics = new SchedulerMetrics(registry, queue);
        this.binder = new Binder(new AsyncApi(client), options.maxInFlightBinds());
        this.events = EventRecorder.builder(options.schedulerName()).instance(options.identity()).action("Scheduling")
                .maxPending(10_000, metrics.eventsDropped::increment).maxInFlight(16).build(client);
        this.conditions = new PodConditionWriter(client);
    }

    public synchronized void start() {
        if (options.common().securePort() >= 0) {
            healthServer = HealthServer.start(VertxHolder.get(), options.common().bindAddress(),
                    options.common().securePort(), registry, this::healthy);
        }
        nodeInformer = client.nodes().inform(new NodeEventHandler(cache, queue), 0);
        volumeInformers.start(queue);
        podInformer = client.pods().inAnyNamespace().inform(new PodEventHandler(options.schedulerName(), cache, queue), 0);
        LOG.info("scheduler {} synced {} nodes and {} pods", options.identity(), cache.nodeCount(), cache.podCount());
        if (options.common().leaderElect()) {
            campaign();
        } else {
            startLeading();
        }
    }

    private synchronized void campaign() {
        if (closed) {
            return;
        }
        election = LeaderElection.start(client, options.common().election(options.identity()),
                this::startLeading, this::lostLease);
    }

    /** A leader that lost its lease (or could not renew it in time) stops scheduling and campaigns again. */
    private void lostLease() {
        stopLeading();
        LOG.info("scheduler {} lost the lease; campaigning again", options.identity());
        campaign();
    }

    private synchronized void startLeading() {
        if (closed || leading) {
            return;
        }
        LOG.info("scheduler {} is leading", options.identity());
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
        return !closed && nodeInformer != null && nodeInformer.isRunning() && podInformer.isRunning()
                && volumeInformers.running();
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
        List<VolumeBinding.Decision> volumes = new ArrayList<>();
        ScheduleResult result = cache.locked(nodes -> {
            ScheduleResult r = framework.schedule(pod, nodes);
            if (r.scheduled()) {
                cache.assume(pod, r.nodeName());
                nodes.stream().filter(n -> n.name().equals(r.nodeName())).findFirst()
                        .ifPresent(n -> volumes.addAll(volumeBinding.reserve(pod.pod(), n)));
            }
            return r;
        });
        metrics.algorithmLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (!result.scheduled()) {
            String message = result.fitError().message();
            LOG.debug("unable to schedule {}: {}", key, message);
            metrics.unschedulable.increment();
            queue.addUnschedulable(qp);
            events.warning(pod.pod(), "FailedScheduling", message);
            conditions.unschedulable(pod.pod(), message);
            return;
        }
        String node = result.nodeName();
        if (!volumes.isEmpty()) {
            try {
                volumeInformers.apply(volumes);
            } catch (RuntimeException e) {
                LOG.info("binding the volumes of {} on {} failed: {}", key, node, e.getMessage());
                cache.forget(key);
                queue.addBackoff(qp);
                events.warning(pod.pod(), "FailedScheduling", "running PreBind plugin \"VolumeBinding\": "
                        + e.getMessage());
                return;
            }
        }
        binder.bind(pod.pod(), node).whenComplete((v, error) -> {
            if (error == null) {
                metrics.scheduled.increment();
                metrics.recordBound(qp.firstSeenNanos());
                queue.done(key);
                events.normal(pod.pod(), "Scheduled",
                        "Successfully assigned " + key + " to " + node);
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            cache.forget(key);
            if (Binder.podGoneOrBound(cause)) {
                // the informer will show the pod deleted or bound; nothing to retry
                LOG.debug("binding {} to {} refused: {}", key, node, cause.getMessage());
                queue.done(key);
                return;
            }
            LOG.warn("binding {} to {} failed: {}", key, node, cause.getMessage());
            metrics.error.increment();
            queue.addBackoff(qp);
            events.warning(pod.pod(), "FailedScheduling", "Binding rejected: " + cause.getMessage());
        });
    }

    @Override
    public void close() {
        LeaderElection e;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            e = election;
        }
        stopLeading();
        queue.close();
        if (e != null) {
            // after scheduling stopped: releasing hands the lease to a standby at once instead of after it expires
            e.close();
        }
        if (podInformer != null) {
            podInformer.stop();
        }
        if (nodeInformer != null) {
            nodeInformer.stop();
        }
        volumeInformers.close();
        conditions.close();
        events.close();
        if (healthServer != null) {
            healthServer.close();
        }
        registry.close();
    }
}
