package dev.keelson.controllermanager.podautoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScalingBehaviorTest {
    private static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");

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

        void advance(int seconds) {
            now = now.plusSeconds(seconds);
        }
    }

    private static final ScalingBehavior.Rules DEFAULT_UP = new ScalingBehavior.Rules(0, "Max",
            List.of(new ScalingBehavior.Policy("Pods", 4, 15), new ScalingBehavior.Policy("Percent", 100, 15)));
    private static final ScalingBehavior.Rules DEFAULT_DOWN = new ScalingBehavior.Rules(300, "Max",
            List.of(new ScalingBehavior.Policy("Percent", 100, 15)));

    @Test
    void withoutBehaviorScaleUpIsLimitedToDoubleOrFourAndScaleDownIsStabilizedFiveMinutes() {
        MovableClock clock = new MovableClock();
        ScalingBehavior b = new ScalingBehavior(clock);
        var up = b.normalize("k", 2, 20, 1, 10);
        assertEquals(4, up.replicas());
        assertEquals(new ScalingBehavior.Condition("ScalingLimited", "True", "ScaleUpLimit",
                "the desired replica count is increasing faster than the maximum scale rate"), up.conditions().get(1));
        clock.advance(60);
        var down = b.normalize("k", 4, 1, 1, 10);
        assertEquals(8, down.replicas(), "stabilized at the highest recent (20), then limited to double the current");
        assertEquals("ScaleDownStabilized", down.conditions().get(0).reason());
        clock.advance(301);
        var later = b.normalize("k", 4, 1, 1, 10);
        assertEquals(1, later.replicas());
        assertEquals(new ScalingBehavior.Condition("AbleToScale", "True", "ReadyForNewScale",
                "recommended size matches current size"), later.conditions().get(0));
        var tooFew = b.normalize("k", 3, 1, 2, 10);
        assertEquals(2, tooFew.replicas());
        assertEquals("TooFewReplicas", tooFew.conditions().get(1).reason());
    }

    @Test
    void behaviorPoliciesLimitEachPeriodAndSelectPolicyPicksTheChange() {
        MovableClock clock = new MovableClock();
        ScalingBehavior b = new ScalingBehavior(clock);
        var first = b.normalize("k", 1, 10, 1, 10, DEFAULT_UP, DEFAULT_DOWN);
        assertEquals(5, first.replicas(), "Max of +4 pods and +100 %");
        b.scaled("k", 1, 5, DEFAULT_UP, DEFAULT_DOWN);
        clock.advance(5);
        var same = b.normalize("k", 5, 10, 1, 10, DEFAULT_UP, DEFAULT_DOWN);
        assertEquals(5, same.replicas(), "the period's budget is spent: 1 at its start, +4 pods or +100 %");
        assertEquals("ScaleUpLimit", same.conditions().get(1).reason());
        clock.advance(15);
        assertEquals(10, b.normalize("k", 5, 10, 1, 10, DEFAULT_UP, DEFAULT_DOWN).replicas());

        ScalingBehavior.Rules minPolicy = new ScalingBehavior.Rules(0, "Min", DEFAULT_UP.policies());
        assertEquals(2, new ScalingBehavior(clock).normalize("m", 1, 10, 1, 10, minPolicy, DEFAULT_DOWN).replicas(),
                "Min of +4 pods and +100 %");
        ScalingBehavior.Rules disabled = new ScalingBehavior.Rules(0, "Disabled", DEFAULT_UP.policies());
        assertEquals(3, new ScalingBehavior(clock).normalize("d", 3, 10, 1, 10, disabled, DEFAULT_DOWN).replicas());
    }

    @Test
    void scaleDownStabilizationWindowKeepsTheHighestRecommendation() {
        MovableClock clock = new MovableClock();
        ScalingBehavior b = new ScalingBehavior(clock);
        ScalingBehavior.Rules down = new ScalingBehavior.Rules(30, "Max", List.of(new ScalingBehavior.Policy("Pods", 1, 10)));
        b.normalize("k", 4, 4, 1, 10, DEFAULT_UP, down);
        clock.advance(10);
        var held = b.normalize("k", 4, 1, 1, 10, DEFAULT_UP, down);
        assertEquals(4, held.replicas());
        assertEquals(new ScalingBehavior.Condition("AbleToScale", "True", "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation"),
                held.conditions().get(0));
        clock.advance(31);
        var step = b.normalize("k", 4, 1, 1, 10, DEFAULT_UP, down);
        assertEquals(3, step.replicas(), "one pod per 10 s");
        assertEquals("ScaleDownLimit", step.conditions().get(1).reason());
    }
}
