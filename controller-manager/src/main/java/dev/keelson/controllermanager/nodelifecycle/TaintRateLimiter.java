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

    /**
     * Changes the rate. As Kubernetes swaps in a new limiter on a change, the bucket starts full at a positive rate
     * and empty at rate 0 (which must stop tainting at once, not after one more).
     */
    synchronized void setRate(double newRate, Instant now) {
        refill(now);
        if (newRate != rate) {
            tokens = newRate > 0 ? 1 : 0;
        }
        rate = newRate;
    }

    synchronized boolean tryTake(Instant now) {
        if (rate <= 0) {
            return false;
        }
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
