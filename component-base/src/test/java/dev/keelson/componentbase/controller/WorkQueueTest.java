package dev.keelson.componentbase.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

    @Test
    void keyAddedTwiceWhileWaitingIsHandedOutOnce() throws Exception {
        try (WorkQueue<String> q = new WorkQueue<>("t", RateLimiter.defaults())) {
            q.add("a");
            q.add("a");
            q.add("b");
            assertEquals(2, q.length());
            assertEquals("a", q.get());
            assertEquals("b", q.get());
            assertEquals(0, q.length());
        }
    }

    @Test
    void keyAddedWhileProcessingIsRequeuedOnlyAfterDone() throws Exception {
        try (WorkQueue<String> q = new WorkQueue<>("t", RateLimiter.defaults())) {
            q.add("a");
            assertEquals("a", q.get());
            q.add("a");
            assertEquals(0, q.length(), "a second worker must not get a key being processed");
            q.done("a");
            assertEquals(1, q.length());
            assertEquals("a", q.get());
        }
    }

    @Test
    void delayedAddArrivesAfterTheDelay() throws Exception {
        try (WorkQueue<String> q = new WorkQueue<>("t", RateLimiter.defaults())) {
            long start = System.nanoTime();
            q.addAfter("a", Duration.ofMillis(50));
            assertEquals(0, q.length());
            assertEquals("a", q.get());
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(50).toNanos());
        }
    }

    @Test
    void getReturnsNullAfterClose() throws Exception {
        WorkQueue<String> q = new WorkQueue<>("t", RateLimiter.defaults());
        q.close();
        assertNull(q.get());
    }

    @Test
    void backoffDoublesPerFailureFromFiveMillisAndIsCappedAndForgotten() {
        RateLimiter limiter = new RateLimiter(Duration.ofMillis(5), Duration.ofSeconds(1000), 1e9, 1_000_000);
        assertEquals(Duration.ofMillis(5), limiter.when("k"));
        assertEquals(Duration.ofMillis(10), limiter.when("k"));
        assertEquals(Duration.ofMillis(20), limiter.when("k"));
        assertEquals(3, limiter.numRequeues("k"));
        for (int i = 0; i < 70; i++) {
            limiter.when("k");
        }
        assertEquals(Duration.ofSeconds(1000), limiter.when("k"));
        limiter.forget("k");
        assertEquals(Duration.ofMillis(5), limiter.when("k"));
    }

    @Test
    void tokenBucketDelaysFailuresBeyondTheBurst() {
        RateLimiter limiter = new RateLimiter(Duration.ofNanos(1), Duration.ofNanos(1), 10, 2);
        limiter.when("a");
        limiter.when("b");
        Duration third = limiter.when("c");
        assertTrue(third.toMillis() >= 90, "third failure in a burst of 2 at 10 qps waits ~100 ms, got " + third);
    }
}
