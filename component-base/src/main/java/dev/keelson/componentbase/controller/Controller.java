package dev.keelson.componentbase.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one reconcile loop the way Kubernetes controllers do: event handlers only {@link #enqueue} keys,
 * {@link #run} starts the informers, waits until their caches are synced and then runs N workers that call
 * {@link Sync#sync} for each key; a sync that throws is retried with rate-limited backoff.
 *
 * <p>Metrics (tag {@code name}): {@code workqueue_depth}, {@code workqueue_work_duration_seconds},
 * {@code workqueue_retries_total}, {@code workqueue_adds_total}.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    /** The reconcile function: bring the object named by {@code key} to its desired state, or throw to retry. */
    @FunctionalInterface
    public interface Sync {
        void sync(String key) throws Exception;
    }

    private final String name;
    private final Sync sync;
    private final WorkQueue<String> queue;
    private final Timer workDuration;
    private final Counter retries;
    private final Counter adds;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    public Controller(String name, Sync sync, MeterRegistry meters) {
        this.name = name;
        this.sync = sync;
        this.queue = new WorkQueue<>(name, RateLimiter.defaults());
        MeterRegistry registry = meters == null ? new SimpleMeterRegistry() : meters;
        Gauge.builder("workqueue_depth", queue, WorkQueue::length).tag("name", name)
                .description("keys waiting in the controller's work queue").register(registry);
        this.workDuration = Timer.builder("workqueue_work_duration_seconds").tag("name", name)
                .description("time spent in one sync").register(registry);
        this.retries = Counter.builder("workqueue_retries_total").tag("name", name)
                .description("syncs that failed and were requeued with backoff").register(registry);
        this.adds = Counter.builder("workqueue_adds_total").tag("name", name)
                .description("keys added to the work queue").register(registry);
    }

    public String name() {
        return name;
    }

    public void enqueue(String key) {
        adds.increment();
        queue.add(key);
    }

    /** Enqueues the {@code namespace/name} (or {@code name}) key of {@code obj}. */
    public void enqueue(HasMetadata obj) {
        enqueue(Cache.metaNamespaceKeyFunc(obj));
    }

    public void enqueueAfter(String key, Duration delay) {
        adds.increment();
        queue.addAfter(key, delay);
    }

    /** An informer handler that enqueues the key {@code keyOf} maps each added/updated/deleted object to. */
    public <T> ResourceEventHandler<T> handler(Function<T, String> keyOf) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                enqueueNonNull(keyOf.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                enqueueNonNull(keyOf.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                enqueueNonNull(keyOf.apply(obj));
            }
        };
    }

    /** An informer handler that enqueues the object's own key. */
    public <T extends HasMetadata> ResourceEventHandler<T> handler() {
        return handler(Cache::metaNamespaceKeyFunc);
    }

    private void enqueueNonNull(String key) {
        if (key != null) {
            enqueue(key);
        }
    }

    /**
     * Starts the informers that are not running yet (a shared informer may already be), waits up to
     * {@code syncTimeout} for all their caches to be synced, then starts {@code workerCount} worker threads.
     *
     * @throws IllegalStateException if a cache did not sync in time
     */
    public void run(int workerCount, Collection<? extends SharedIndexInformer<?>> informers, Duration syncTimeout)
            throws InterruptedException {
        Informers.startAndWaitForSync(informers, syncTimeout);
        synchronized (workers) {
            if (closed) {
                return;
            }
            for (int i = 0; i < workerCount; i++) {
                Thread t = new Thread(this::workLoop, name + "-worker-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
        }
        log.info("controller {} started with {} workers", name, workerCount);
    }

    private void workLoop() {
        while (!closed) {
            String key;
            try {
                key = queue.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (key == null) {
                return;
            }
            long start = System.nanoTime();
            try {
                sync.sync(key);
                queue.forget(key);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (!closed) {
                    retries.increment();
                    log.info("{}: sync of {} failed (retry {}): {}", name, key, queue.numRequeues(key) + 1,
                            e.toString());
                    log.debug("{}: sync of {} failed", name, key, e);
                    queue.addRateLimited(key);
                }
            } finally {
                workDuration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                queue.done(key);
            }
        }
    }

    /** Stops the workers after their current sync; informers are left to their owner. */
    @Override
    public void close() {
        closed = true;
        queue.close();
        synchronized (workers) {
            workers.forEach(Thread::interrupt);
        }
    }
}
