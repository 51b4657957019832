package dev.keelson.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a `keelson server` or `keelson agent` process runs, stopped newest first and each once. A component that
 * finishes starting after the stop began (SIGTERM during start-up) is closed at once instead of running on.
 */
final class Lifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(Lifecycle.class);
    private static final long STOP_TIMEOUT_MILLIS = 15_000;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private boolean stopped;

    void add(AutoCloseable component) {
        synchronized (this) {
            if (!stopped) {
                running.push(component);
                return;
            }
        }
        close(component);
    }

    void stopAll() {
        List<AutoCloseable> toClose;
        synchronized (this) {
            stopped = true;
            toClose = new ArrayList<>(running);
            running.clear();
        }
        for (AutoCloseable c : toClose) {
            closeWithin(c, STOP_TIMEOUT_MILLIS);
        }
    }

    /**
     * A component whose stop hangs (say, a client retrying an apiserver whose etcd is gone) must not keep the ones
     * after it, down to etcd, from stopping: it gets a deadline, then the next one is stopped.
     */
    private static void closeWithin(AutoCloseable c, long millis) {
        long start = System.nanoTime();
        Thread t = new Thread(() -> {
            close(c);
            LOG.info("{} stopped in {} ms", c.getClass().getSimpleName(), (System.nanoTime() - start) / 1_000_000);
        }, "stop-" + c.getClass().getSimpleName());
        t.setDaemon(true);
        t.start();
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("{} did not stop within {} ms; stopping the rest", c.getClass().getSimpleName(), millis);
        }
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
        }
    }
}
