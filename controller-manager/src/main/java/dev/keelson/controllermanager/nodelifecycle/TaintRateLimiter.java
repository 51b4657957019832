package dev.keelson.controllermanager.nodelifecycle;

import java.time.Duration;
import java.time.Instant;

/** A token bucket of burst 1 that allows one new NoExecute taint per 1/rate seconds; its rate can change. */
final class TaintRateLimiter {
    private double rate;
    private double tokens = 1;
    private Instant lastRefill;

    TaintRateLimiter(double rate, Instant now) {
        this.rate = rate;
        this.lastRefill = now;
    }

    /** Changes the rate; a zone coming back from a stop starts with a full bucket, as Kubernetes' swap does. */
    synchronized void setRate(double newRate, Instant now) {
        refill(now);
        if (rate == 0 && newRate > 0) {
            tokens = 1;
        }
        rate = newRate;
    }

    synchronized boolean tryTake(Instant now) {
        refill(now);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private void refill(Instant now) {
        double elapsed = Math.max(0, Duration.between(lastRefill, now).toNanos() / 1e9);
        tokens = Math.min(1, tokens + elapsed * rate);
        lastRefill = now;
    }
}
