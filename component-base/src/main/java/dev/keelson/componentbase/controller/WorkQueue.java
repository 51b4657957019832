package dev.keelson.componentbase.controller;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A queue of keys with client-go's workqueue guarantees: a key waiting in the queue is held once however
 * often it is added; a key being processed is never handed to a second worker, and if it is added meanwhile
 * it is queued again when the first worker calls {@link #done}. Failed keys come back after a
 * {@link RateLimiter} delay.
 *
 * <p>Workers loop: {@code key = get(); try { sync(key); forget(key); } catch (e) { addRateLimited(key); }
 * finally { done(key); }}.
 */
public final class WorkQueue<K> implements AutoCloseable {
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    private final Set<K> dirty = new HashSet<>();
    private final Set<K> processing = new HashSet<>();
    private final Map<K, Delayed> waiting = new HashMap<>();
    private final RateLimiter rateLimiter;
    private final ScheduledExecutorService timers;
    private boolean shuttingDown;

    private record Delayed(long dueNanos, ScheduledFuture<?> future) {}

    public WorkQueue(String name, RateLimiter rateLimiter) {
        this.rateLimiter = rateLimiter;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "workqueue-delay-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code key} now unless it is already waiting. */
    public synchronized void add(K key) {
        if (shuttingDown || !dirty.add(key)) {
            return;
        }
        if (!processing.contains(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    /** Queues {@code key} after {@code delay}; an earlier pending delay for the same key wins. */
    public synchronized void addAfter(K key, Duration delay) {
        if (shuttingDown) {
            return;
        }
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        long due = System.nanoTime() + delay.toNanos();
        Delayed pending = waiting.get(key);
        if (pending != null) {
            if (pending.dueNanos() <= due) {
                return;
            }
            pending.future().cancel(false);
        }
        ScheduledFuture<?> future = timers.schedule(() -> fire(key, due), delay.toNanos(), TimeUnit.NANOSECONDS);
        waiting.put(key, new Delayed(due, future));
    }

    /** Queues {@code key} again after its rate-limited backoff: the way to retry a failed sync. */
    public void addRateLimited(K key) {
        addAfter(key, rateLimiter.when(key));
    }

    /** Resets the backoff of {@code key}; call after a successful sync. */
    public void forget(K key) {
        rateLimiter.forget(key);
    }

    public int numRequeues(K key) {
        return rateLimiter.numRequeues(key);
    }

    /** Blocks until a key is available and marks it as being processed; null once the queue is shut down. */
    public synchronized K get() throws InterruptedException {
        while (queue.isEmpty() && !shuttingDown) {
            wait();
        }
        if (queue.isEmpty()) {
            return null;
        }
        K key = queue.pollFirst();
        processing.add(key);
        dirty.remove(key);
        return key;
    }

    /** Ends processing of {@code key}; if it was added meanwhile it is queued again. */
    public synchronized void done(K key) {
        processing.remove(key);
        if (dirty.contains(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    /** Keys waiting to be processed (not counting delayed ones). */
    public synchronized int length() {
        return queue.size();
    }

    public synchronized boolean isShuttingDown() {
        return shuttingDown;
    }

    @Override
    public void close() {
        synchronized (this) {
            shuttingDown = true;
            notifyAll();
        }
        timers.shutdownNow();
    }

    private synchronized void fire(K key, long due) {
        Delayed pending = waiting.get(key);
        if (pending != null && pending.dueNanos() == due) {
            waiting.remove(key);
        }
        add(key);
    }
}
