package dev.keelson.proxy;

/**
 * When the next rule sync may start, as kube-proxy's BoundedFrequencyRunner: a bucket of {@code burst} tokens refilled
 * one per minimum interval, so starts are at least that interval apart except that {@code burst} may follow one another
 * after a quiet spell. Kept as the time the bucket would be full again (the generic cell rate algorithm). Not
 * thread-safe: the proxy guards it.
 */
final class SyncSlots {
    private final long intervalNanos;
    private final int burst;
    private long fullAgainNanos;

    SyncSlots(long intervalNanos, int burst, long nowNanos) {
        this.intervalNanos = intervalNanos;
        this.burst = burst;
        this.fullAgainNanos = nowNanos - burst * intervalNanos;
    }

    /** How long a sync wanted at {@code nowNanos} has to wait for a token; 0 if it may start now. */
    long waitNanos(long nowNanos) {
        return Math.max(0, fullAgainNanos - (burst - 1) * intervalNanos - nowNanos);
    }

    /** A sync started at {@code nowNanos} and took a token. */
    void started(long nowNanos) {
        fullAgainNanos = Math.max(fullAgainNanos, nowNanos) + intervalNanos;
    }
}
