package dev.keelson.proxy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * kube-proxy's health rule: healthy once rules were programmed, as long as the last successful sync is recent
 * and no change has been waiting longer than the timeout.
 */
public final class ProxyHealth {
    private final Clock clock;
    private final Duration timeout;
    private Instant lastSuccess;
    private Instant oldestPending;

    public ProxyHealth(Clock clock, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
    }

    public synchronized void changeQueued() {
        if (oldestPending == null) {
            oldestPending = clock.instant();
        }
    }

    /** A sync that started at {@code started} succeeded: changes queued before it are now applied. */
    public synchronized void synced(Instant started) {
        lastSuccess = clock.instant();
        if (oldestPending != null && !oldestPending.isAfter(started)) {
            oldestPending = null;
        }
    }

    public synchronized Instant lastSuccess() {
        return lastSuccess;
    }

    public synchronized boolean healthy() {
        Instant now = clock.instant();
        if (lastSuccess == null || Duration.between(lastSuccess, now).compareTo(timeout) > 0) {
            return false;
        }
        return oldestPending == null || Duration.between(oldestPending, now).compareTo(timeout) <= 0;
    }
}
