package dev.keelson.apiserver.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs that the server sheds load (429s, refused or closed connections) at most once per interval and kind, with how
 * many were shed since the last line: an attack must be visible in the log without the log becoming the attack.
 */
public final class LoadSheddingLog {
    private static final Logger LOG = LoggerFactory.getLogger(LoadSheddingLog.class);
    private final long intervalNanos;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public LoadSheddingLog(long intervalMillis) {
        this.intervalNanos = intervalMillis * 1_000_000;
    }

    private static final class Window {
        final AtomicLong count = new AtomicLong();
        volatile long loggedAt = Long.MIN_VALUE;
    }

    /** Counts one shed {@code kind} (request, connection...) and logs {@code why} if the interval has passed. */
    public void shed(String kind, String why) {
        Window w = windows.computeIfAbsent(kind, k -> new Window());
        w.count.incrementAndGet();
        long now = System.nanoTime();
        long last = w.loggedAt;
        if (last != Long.MIN_VALUE && now - last < intervalNanos) {
            return;
        }
        synchronized (w) {
            if (w.loggedAt != last) {
                return;
            }
            w.loggedAt = now;
        }
        LOG.warn("shedding load: {} {} refused or closed since the last report; last: {}", w.count.getAndSet(0), kind
                + "s", why);
    }
}
