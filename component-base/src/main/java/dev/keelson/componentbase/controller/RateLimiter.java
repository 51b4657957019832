package dev.keelson.componentbase.controller;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Decides how long a failed key waits before its next try: the larger of a per-key exponential backoff
 * (5 ms doubling up to 1000 s, as client-go's default controller rate limiter) and an overall token bucket
 * that keeps a burst of failures from hammering the apiserver.
 */
public final class RateLimiter {
    private final long baseNanos;
    private final long maxNanos;
    private final double qps;
    private final double burst;
    private final Map<Object, Integer> failures = new HashMap<>();
    private double tokens;
    private long lastRefill;

    /** client-go's defaults: 5 ms .. 1000 s per key, 10 qps with a burst of 100 overall. */
    public static RateLimiter defaults() {
        return new RateLimiter(Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 100);
    }

    public RateLimiter(Duration base, Duration max, double qps, int burst) {
        this.baseNanos = base.toNanos();
        this.maxNanos = max.toNanos();
        this.qps = qps;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = System.nanoTime();
    }

    /** Records one more failure of {@code key} and returns how long it must wait before being retried. */
    public synchronized Duration when(Object key) {
        int n = failures.merge(key, 1, Integer::sum) - 1;
        long backoff = n >= 62 ? maxNanos : Math.min(maxNanos, saturatingShift(baseNanos, n));
        return Duration.ofNanos(Math.max(backoff, reserveToken()));
    }

    /** Clears the failure count of {@code key} after it was processed successfully. */
    public synchronized void forget(Object key) {
        failures.remove(key);
    }

    public synchronized int numRequeues(Object key) {
        return failures.getOrDefault(key, 0);
    }

    private long reserveToken() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - lastRefill) / 1e9 * qps);
        lastRefill = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / qps * 1e9);
    }

    private static long saturatingShift(long value, int shift) {
        if (shift >= Long.numberOfLeadingZeros(value) - 1) {
            return Long.MAX_VALUE;
        }
        return value << shift;
    }
}
