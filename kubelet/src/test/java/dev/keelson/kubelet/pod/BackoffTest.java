package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void crashLoopDelayStartsAtTenSecondsAndDoublesToFiveMinutes() {
        Backoff b = Backoff.crashLoop();
        assertEquals(Duration.ofSeconds(10), b.next("c", t0));
        assertEquals(Duration.ofSeconds(20), b.next("c", t0.plusSeconds(10)));
        assertEquals(Duration.ofSeconds(40), b.next("c", t0.plusSeconds(30)));
        Duration d = Duration.ZERO;
        for (int i = 0; i < 10; i++) {
            d = b.next("c", t0.plusSeconds(60 + i));
        }
        assertEquals(Duration.ofMinutes(5), d);
    }

    @Test
    void inBackoffOnlyWithinTheDelayAfterTheFailure() {
        Backoff b = Backoff.crashLoop();
        assertFalse(b.inBackoffSince("c", t0, t0), "no failure recorded yet");
        b.next("c", t0);
        Instant finished = t0.plusSeconds(1);
        assertTrue(b.inBackoffSince("c", finished, finished.plusSeconds(9)));
        assertFalse(b.inBackoffSince("c", finished, finished.plusSeconds(10)));
        assertEquals(Duration.ofSeconds(4), b.remaining("c", finished, finished.plusSeconds(6)));
    }

    @Test
    void quietPeriodResetsTheDelay() {
        Backoff b = Backoff.crashLoop();
        b.next("c", t0);
        b.next("c", t0.plusSeconds(10));
        assertEquals(Duration.ofSeconds(10), b.next("c", t0.plusSeconds(10 + 11 * 60)));
    }

    @Test
    void keysAreIndependentAndForgettableByPrefix() {
        Backoff b = Backoff.crashLoop();
        b.next("pod1/a", t0);
        b.next("pod1/a", t0);
        b.next("pod2/a", t0);
        assertEquals(Duration.ofSeconds(20), b.delay("pod1/a"));
        assertEquals(Duration.ofSeconds(10), b.delay("pod2/a"));
        b.forgetPrefix("pod1/");
        assertEquals(Duration.ZERO, b.delay("pod1/a"));
        assertEquals(Duration.ofSeconds(10), b.delay("pod2/a"));
    }
}
