package dev.keelson.scheduler.framework;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static dev.keelson.scheduler.testing.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameworkTest {
    private static Framework framework() {
        return Framework.withDefaultPlugins(Map.of(), 0, new Random(1));
    }

    @Test
    void explainsEveryRejectedNodeInKubernetesForm() {
        List<NodeInfo> nodes = List.of(
                NodeInfo.of(node("a", "4", "1Gi", 10).editSpec().withUnschedulable(true).endSpec().build()),
                NodeInfo.of(node("b", "4", "1Gi", 10).build()),
                NodeInfo.of(node("c", "4", "1Gi", 10).build()));
        ScheduleResult r = framework().schedule(PodInfo.of(pod("p", "1", "2Gi").build()), nodes);
        assertNull(r.nodeName());
        assertEquals("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory.", r.fitError().message());
    }

    @Test
    void aNodeIsCountedOnceByItsFirstRejectingPlugin() {
        // cordoned and too small: only the cordon is reported, as filters stop at the first failure
        List<NodeInfo> nodes = List.of(
                NodeInfo.of(node("a", "1", "1Gi", 10).editSpec().withUnschedulable(true).endSpec().build()));
        ScheduleResult r = framework().schedule(PodInfo.of(pod("p", "2", "2Gi").build()), nodes);
        assertEquals("0/1 nodes are available: 1 node(s) were unschedulable.", r.fitError().message());
    }

    @Test
    void picksTheLeastAllocatedNode() {
        NodeInfo busy = NodeInfo.of(node("busy", "4", "8Gi", 10).build());
        busy.addPod(PodInfo.of(pod("x", "3", "6Gi").build()));
        NodeInfo idle = NodeInfo.of(node("idle", "4", "8Gi", 10).build());
        for (int i = 0; i < 20; i++) {
            assertEquals("idle", framework().schedule(PodInfo.of(pod("p", "500m", "1Gi").build()), List.of(busy, idle)).nodeName());
        }
    }

    @Test
    void tiesAreBrokenAtRandomAmongTheBest() {
        List<NodeInfo> nodes = List.of(NodeInfo.of(node("a", "4", "8Gi", 10).build()),
                NodeInfo.of(node("b", "4", "8Gi", 10).build()), NodeInfo.of(node("c", "4", "8Gi", 10).build()));
        Framework f = framework();
        Set<String> chosen = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            chosen.add(f.schedule(PodInfo.of(pod("p", "100m", "100Mi").build()), nodes).nodeName());
        }
        assertEquals(Set.of("a", "b", "c"), chosen);
    }

    @Test
    void weightsChangeTheWinner() {
        // "tainted" has more room but an untolerated PreferNoSchedule taint
        NodeInfo tainted = NodeInfo.of(node("tainted", "8", "16Gi", 10).editSpec()
                .addNewTaint().withKey("soft").withEffect("PreferNoSchedule").endTaint().endSpec().build());
        NodeInfo small = NodeInfo.of(node("small", "2", "4Gi", 10).build());
        PodInfo p = PodInfo.of(pod("p", "1", "1Gi").build());
        assertEquals("small", framework().schedule(p, List.of(tainted, small)).nodeName());
        Framework noTaintWeight = Framework.withDefaultPlugins(Map.of("TaintToleration", 0), 0, new Random(1));
        assertEquals("tainted", noTaintWeight.schedule(p, List.of(tainted, small)).nodeName());
    }

    @Test
    void unknownScorePluginWeightIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Framework.withDefaultPlugins(Map.of("Nope", 1), 0, new Random()));
        assertThrows(IllegalArgumentException.class, () -> Framework.withDefaultPlugins(Map.of("LeastAllocated", -1), 0, new Random()));
    }

    @Test
    void numberOfFeasibleNodesToFindFollowsKubernetes() {
        Framework f = framework();
        assertEquals(50, f.numFeasibleNodesToFind(50));
        assertEquals(100, f.numFeasibleNodesToFind(150));
        assertEquals(230, f.numFeasibleNodesToFind(500));   // 46%
        assertEquals(500, f.numFeasibleNodesToFind(5000));  // 10%
        assertEquals(1000, f.numFeasibleNodesToFind(20000)); // at least 5%
        Framework all = Framework.withDefaultPlugins(Map.of(), 100, new Random(1));
        assertEquals(5000, all.numFeasibleNodesToFind(5000));
    }

    @Test
    void largeClustersAreSearchedRoundRobin() {
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            nodes.add(NodeInfo.of(node("n" + i, "4", "8Gi", 10).build()));
        }
        Framework f = framework();
        ScheduleResult first = f.schedule(PodInfo.of(pod("p", "1", "1Gi").build()), nodes);
        assertEquals(420, first.feasibleNodes());
        assertEquals(420, first.evaluatedNodes());
        ScheduleResult second = f.schedule(PodInfo.of(pod("q", "1", "1Gi").build()), nodes);
        int idx = Integer.parseInt(second.nodeName().substring(1));
        assertTrue(idx >= 420 && idx < 840, "second search starts where the first stopped, got " + second.nodeName());
    }

    @Test
    void noNodesGivesKubernetesMessage() {
        ScheduleResult r = framework().schedule(PodInfo.of(pod("p", null, null).build()), List.of());
        assertEquals("no nodes available to schedule pods", r.fitError().message());
    }
}
