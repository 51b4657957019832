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
        toClose.forEach(Lifecycle::close);
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
        }
    }
}
