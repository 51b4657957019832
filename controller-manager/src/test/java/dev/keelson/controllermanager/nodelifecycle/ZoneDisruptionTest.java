package dev.keelson.controllermanager.nodelifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.nodelifecycle.ZoneDisruption.Policy;
import dev.keelson.controllermanager.nodelifecycle.ZoneDisruption.State;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneDisruptionTest {
    private static final Policy POLICY = new Policy(0.1, 0.01, 0.55, 50);

    @Test
    void zoneWithNoReadyNodeIsFullyDisrupted() {
        assertEquals(State.FULL_DISRUPTION, ZoneDisruption.state(0, 1, 0.55));
        assertEquals(State.FULL_DISRUPTION, ZoneDisruption.state(0, 7, 0.55));
    }

    @Test
    void partialDisruptionNeedsMoreThanTwoNotReadyNodesAndTheThresholdFraction() {
        assertEquals(State.NORMAL, ZoneDisruption.state(1, 2, 0.55), "2 of 3 down is not enough nodes");
        assertEquals(State.PARTIAL_DISRUPTION, ZoneDisruption.state(2, 3, 0.55), "3 of 5 = 60 %");
        assertEquals(State.NORMAL, ZoneDisruption.state(3, 3, 0.55), "3 of 6 = 50 %");
        assertEquals(State.NORMAL, ZoneDisruption.state(10, 0, 0.55));
        assertEquals(State.NORMAL, ZoneDisruption.state(0, 0, 0.55));
    }

    @Test
    void partiallyDisruptedSmallZoneStopsTaintingAndLargeZoneSlowsDown() {
        assertEquals(0, ZoneDisruption.rate(State.PARTIAL_DISRUPTION, 10, false, POLICY));
        assertEquals(0.01, ZoneDisruption.rate(State.PARTIAL_DISRUPTION, 51, false, POLICY));
        assertEquals(0.1, ZoneDisruption.rate(State.NORMAL, 10, false, POLICY));
    }

    @Test
    void fullyDisruptedZoneIsTaintedAtTheNormalRateUnlessEveryZoneIs() {
        assertEquals(0.1, ZoneDisruption.rate(State.FULL_DISRUPTION, 3, false, POLICY));
        assertEquals(0, ZoneDisruption.rate(State.FULL_DISRUPTION, 3, true, POLICY));
    }

    @Test
    void zoneIsRegionAndZoneLabelsOrEmpty() {
        assertEquals("", ZoneDisruption.zoneOf(new NodeBuilder().withNewMetadata().withName("a").endMetadata().build()));
        assertEquals("eu:eu-1a", ZoneDisruption.zoneOf(new NodeBuilder().withNewMetadata().withName("b")
                .withLabels(Map.of(ZoneDisruption.REGION_LABEL, "eu", ZoneDisruption.ZONE_LABEL, "eu-1a"))
                .endMetadata().build()));
    }

    @Test
    void rateLimiterAllowsOneTaintPerIntervalAndNoneAtRateZero() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        TaintRateLimiter limiter = new TaintRateLimiter(0.5, t0);
        assertTrue(limiter.tryTake(t0));
        assertFalse(limiter.tryTake(t0.plusSeconds(1)), "a second taint within 2 s at 0.5/s");
        assertTrue(limiter.tryTake(t0.plusSeconds(3)));
        limiter.setRate(0, t0.plusSeconds(3));
        assertFalse(limiter.tryTake(t0.plusSeconds(100)), "rate 0 stops tainting however long one waits");
        TaintRateLimiter full = new TaintRateLimiter(0.5, t0);
        full.setRate(0, t0);
        assertFalse(full.tryTake(t0), "a full bucket allows nothing once the rate drops to 0");
        limiter.setRate(0.5, t0.plusSeconds(100));
        assertTrue(limiter.tryTake(t0.plusSeconds(100)), "a restarted zone may taint at once");
        assertFalse(limiter.tryTake(t0.plusSeconds(100)));
    }
}
