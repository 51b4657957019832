package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.RuntimeUnavailableException;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker per pod: syncs of the same pod run one at a time (a request during a sync runs once more after it),
 * different pods sync in parallel on the pool. A failed sync is retried with back-off.
 */
public final class PodWorkers {
    private static final Logger log = LoggerFactory.getLogger(PodWorkers.class);

    private final class Worker {
        final String uid;
        boolean running;
        boolean dirty;
        ScheduledFuture<?> timer;
        int failures;

        Worker(String uid) {
            this.uid = uid;
        }

        synchronized void request() {
            if (running) {
                dirty = true;
                return;
            }
            running = true;
            pool.execute(this::loop);
        }

        private void loop() {
            while (true) {
                synchronized (this) {
                    dirty = false;
                }
                Duration next = runOnce();
                synchronized (this) {
                    if (dirty && !closed) {
                        continue;
                    }
                    running = false;
                    if (timer != null) {
                        timer.cancel(false);
                        timer = null;
                    }
                    Pod pod = pods.apply(uid);
                    if (pod == null && next == null) {
                        workers.remove(uid, this);
                        return;
                    }
                    if (next != null && !closed) {
                        timer = timers.schedule(this::request, next.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    return;
                }
            }
        }

        private Duration runOnce() {
            try {
                Duration next = syncer.sync(uid, pods.apply(uid));
                failures = 0;
                return next;
            } catch (RuntimeUnavailableException e) {
                log.warn("pod {}: {}", uid, e.getMessage());
                return Duration.ofSeconds(5);
            } catch (RuntimeException e) {
                failures++;
                long delay = Math.min(30_000, 500L << Math.min(failures, 6));
                log.warn("sync of pod {} failed (retry in {} ms): {}", uid, delay, e.toString(), e);
                return Duration.ofMillis(delay);
            }
        }
    }

    private final PodSyncer syncer;
    private final Function<String, Pod> pods;
    private final ExecutorService pool;
    private final ScheduledExecutorService timers;
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** {@code pods} looks a pod up by uid in the informer's view; null when it does not exist (any more). */
    public PodWorkers(PodSyncer syncer, Function<String, Pod> pods, ExecutorService pool, ScheduledExecutorService timers) {
        this.syncer = syncer;
        this.pods = pods;
        this.pool = pool;
        this.timers = timers;
    }

    /** Asks for a sync of the pod with this uid. */
    public void enqueue(String uid) {
        if (closed) {
            return;
        }
        workers.computeIfAbsent(uid, Worker::new).request();
    }

    /**
     * A periodic safety net: syncs the pod only when its worker is neither busy nor has a sync scheduled, so a
     * resync of every pod does not land on the Docker Engine all at once.
     */
    public void resync(String uid) {
        if (closed) {
            return;
        }
        Worker w = workers.computeIfAbsent(uid, Worker::new);
        synchronized (w) {
            if (w.running || w.timer != null && !w.timer.isDone()) {
                return;
            }
            w.request();
        }
    }

    public void close() {
        closed = true;
        workers.values().forEach(w -> {
            synchronized (w) {
                if (w.timer != null) {
                    w.timer.cancel(false);
                }
            }
        });
    }
}
