package dev.keelson.controllermanager.testing;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.opentest4j.AssertionFailedError;

/** Polls observable state until it satisfies a condition, failing with the last value seen after a deadline. */
public final class Await {
    private Await() {}

    public static <T> T until(String what, Duration timeout, Supplier<T> observe, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        RuntimeException lastError = null;
        while (true) {
            try {
                last = observe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                lastError = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionFailedError("timed out after " + timeout + " waiting for " + what + "; last seen: "
                        + (lastError != null ? lastError : last));
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("interrupted waiting for " + what);
            }
        }
    }
}
