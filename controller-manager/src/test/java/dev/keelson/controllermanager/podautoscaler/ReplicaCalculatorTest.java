package dev.keelson.controllermanager.podautoscaler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.keelson.controllermanager.podautoscaler.ReplicaCalculator.PodInfo;
import dev.keelson.controllermanager.podautoscaler.ReplicaCalculator.PodMetric;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The replica arithmetic against made-up pods and metrics (the fake metrics source of the unit tests). */
class ReplicaCalculatorTest {
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    private static final Instant LONG_AGO = NOW.minus(Duration.ofHours(1));

    private static PodInfo ready(String name, long requestMilli) {
        Map<String, Long> requests = new LinkedHashMap<>();
        requests.put("app", requestMilli);
        return new PodInfo(name, "Running", false, LONG_AGO, true, LONG_AGO, requests);
    }

    private static Map<String, PodMetric> usage(Object... nameAndMilli) {
        Map<String, PodMetric> out = new HashMap<>();
        for (int i = 0; i < nameAndMilli.length; i += 2) {
            out.put((String) nameAndMilli[i], new PodMetric(((Number) nameAndMilli[i + 1]).longValue(), NOW,
                    Duration.ofSeconds(15)));
        }
        return out;
    }

    @Test
    void scalesUpByTheUsageRatioOfRequests() throws Exception {
        List<PodInfo> pods = List.of(ready("a", 100), ready("b", 100));
        var r = ReplicaCalculator.utilizationReplicas(2, 50, "cpu", pods, usage("a", 100, "b", 150), NOW);
        assertEquals(125, r.utilization());
        assertEquals(125, r.rawAverageMilli());
        assertEquals(5, r.replicas(), "ceil(2.5 * 2)");
    }

    @Test
    void withinTheToleranceKeepsTheCurrentCount() throws Exception {
        List<PodInfo> pods = List.of(ready("a", 100), ready("b", 100), ready("c", 100));
        assertEquals(3, ReplicaCalculator.utilizationReplicas(3, 50, "cpu", pods, usage("a", 54, "b", 54, "c", 54), NOW).replicas(),
                "108 % of target is inside 10 %");
        assertEquals(4, ReplicaCalculator.utilizationReplicas(3, 50, "cpu", pods, usage("a", 56, "b", 56, "c", 56), NOW).replicas(),
                "112 %: ceil(1.12 * 3)");
    }

    @Test
    void scalesDownAndCountsMissingPodsAsAtTarget() throws Exception {
        List<PodInfo> pods = List.of(ready("a", 100), ready("b", 100), ready("c", 100), ready("d", 100));
        var r = ReplicaCalculator.utilizationReplicas(4, 50, "cpu", pods, usage("a", 10, "b", 10), NOW);
        // ratio 0.2 over a and b; c and d missing count as 100 % of request (max(100, 50)): (10+10+100+100)/400 = 55 %
        assertEquals(10, r.utilization());
        assertEquals(4, r.replicas(), "the recount crosses the target: no change");
        var down = ReplicaCalculator.utilizationReplicas(4, 50, "cpu", List.of(ready("a", 100), ready("b", 100)),
                usage("a", 10, "b", 10), NOW);
        assertEquals(1, down.replicas());
    }

    @Test
    void unreadyAndPendingPodsCountAsNothingOnAScaleUp() throws Exception {
        Map<String, Long> req = new LinkedHashMap<>();
        req.put("app", 100L);
        PodInfo pending = new PodInfo("p", "Pending", false, null, null, null, req);
        PodInfo justStarted = new PodInfo("s", "Running", false, NOW.minusSeconds(20), true, NOW.minusSeconds(5), req);
        List<PodInfo> pods = new ArrayList<>(List.of(ready("a", 100), ready("b", 100), pending, justStarted));
        var r = ReplicaCalculator.utilizationReplicas(4, 50, "cpu", pods, usage("a", 200, "b", 200, "s", 300), NOW);
        assertEquals(200, r.utilization(), "only a and b are ready with a sample after their readiness");
        // recount with p and s at 0: 400 m of 400 m requested = 100 %, ratio 2 over 4 pods
        assertEquals(8, r.replicas());
    }

    @Test
    void failedAndDeletingPodsAreIgnored() throws Exception {
        Map<String, Long> req = Map.of("app", 100L);
        List<PodInfo> pods = List.of(ready("a", 100), new PodInfo("f", "Failed", false, LONG_AGO, false, LONG_AGO, req),
                new PodInfo("d", "Running", true, LONG_AGO, true, LONG_AGO, req));
        assertEquals(2, ReplicaCalculator.utilizationReplicas(1, 50, "cpu", pods, usage("a", 100, "f", 900, "d", 900), NOW)
                .replicas());
    }

    @Test
    void averageValueTargetsDivideTheMeanByTheTarget() throws Exception {
        List<PodInfo> pods = List.of(ready("a", 0), ready("b", 0));
        var r = ReplicaCalculator.averageValueReplicas(2, 100_000, "memory", pods, usage("a", 300_000, "b", 100_000), NOW);
        assertEquals(200_000, r.rawAverageMilli());
        assertEquals(4, r.replicas());
    }

    @Test
    void errorsSayWhatIsMissingAsKubernetesDoes() {
        Map<String, Long> noRequest = new LinkedHashMap<>();
        noRequest.put("nginx", null);
        List<PodInfo> pods = List.of(new PodInfo("web-1", "Running", false, LONG_AGO, true, LONG_AGO, noRequest));
        var missing = assertThrows(ReplicaCalculator.CalculationException.class,
                () -> ReplicaCalculator.utilizationReplicas(1, 50, "cpu", pods, usage("web-1", 10), NOW));
        assertEquals("missing request for cpu in container nginx of Pod web-1", missing.getMessage());
        var none = assertThrows(ReplicaCalculator.CalculationException.class,
                () -> ReplicaCalculator.utilizationReplicas(1, 50, "cpu", List.of(), usage(), NOW));
        assertEquals("no pods returned by selector while calculating replica count", none.getMessage());
        var unready = assertThrows(ReplicaCalculator.CalculationException.class,
                () -> ReplicaCalculator.utilizationReplicas(1, 50, "cpu", List.of(ready("a", 100)), usage("x", 1), NOW));
        assertEquals("did not receive metrics for targeted pods (pods might be unready)", unready.getMessage());
    }
}
