package dev.keelson.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class ProxyHealthTest {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void unhealthyUntilFirstSyncThenHealthyWhileSyncsAreRecent() {
        ProxyHealth health = new ProxyHealth(clock, Duration.ofSeconds(60));
        assertFalse(health.healthy());
        health.changeQueued();
        health.synced(now);
        assertTrue(health.healthy());
        now = now.plusSeconds(59);
        assertTrue(health.healthy());
        now = now.plusSeconds(2);
        assertFalse(health.healthy(), "last successful sync is older than the timeout");
    }

    @Test
    void changeWaitingLongerThanTimeoutMakesItUnhealthy() {
        ProxyHealth health = new ProxyHealth(clock, Duration.ofSeconds(60));
        health.synced(now);
        now = now.plusSeconds(10);
        health.changeQueued();
        health.synced(now.minusSeconds(1));
        now = now.plusSeconds(40);
        health.synced(now.minusSeconds(41));
        now = now.plusSeconds(31);
        assertFalse(health.healthy(), "the change queued 71 s ago was never covered by a sync");
        health.synced(now);
        assertTrue(health.healthy());
    }
}
