package dev.keelson.scheduler.framework.plugins;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static dev.keelson.scheduler.testing.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScorePlugin;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Test;

class ScorePluginsTest {
    @Test
    void leastAllocatedScoresTheShareLeftFreeAfterThePod() {
        NodeInfo node = NodeInfo.of(node("n", "4", "8Gi", 10).build());
        node.addPod(PodInfo.of(pod("a", "1", "2Gi").build()));
        // cpu: (4000-2000)/4000 = 50; memory: (8-4)/8 = 50
        assertEquals(50, new LeastAllocated().score(PodInfo.of(pod("p", "1", "2Gi").build()), node));
        // no requests count as 100m / 200Mi when scoring
        NodeInfo empty = NodeInfo.of(node("e", "1", "1000Mi", 10).build());
        assertEquals((90 + 80) / 2, new LeastAllocated().score(PodInfo.of(pod("q", null, null).build()), empty));
    }

    @Test
    void leastAllocatedGivesZeroWhenOverCapacity() {
        assertEquals(0, LeastAllocated.leastRequested(5, 4));
        assertEquals(0, LeastAllocated.leastRequested(1, 0));
        assertEquals(100, LeastAllocated.leastRequested(0, 4));
    }

    @Test
    void balancedAllocationPrefersEqualCpuAndMemoryFractions() {
        NodeInfo node = NodeInfo.of(node("n", "4", "4Gi", 10).build());
        assertEquals(100, new BalancedAllocation().score(PodInfo.of(pod("p", "2", "2Gi").build()), node));
        // cpu 100%, memory 0%: std = 0.5
        assertEquals(50, new BalancedAllocation().score(PodInfo.of(pod("q", "4", null).build()), node));
        assertEquals(75, new BalancedAllocation().score(PodInfo.of(pod("r", "2", null).build()), node));
    }

    @Test
    void preferredNodeAffinitySumsMatchingWeightsThenNormalises() {
        Pod pod = pod("p", null, null).editSpec().withNewAffinity().withNewNodeAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(10).withNewPreference()
                .addNewMatchExpression().withKey("zone").withOperator("In").withValues("a").endMatchExpression()
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(30).withNewPreference()
                .addNewMatchExpression().withKey("disk").withOperator("Exists").endMatchExpression()
                .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity().endAffinity().endSpec().build();
        PodInfo info = PodInfo.of(pod);
        NodeAffinity plugin = new NodeAffinity();
        NodeInfo both = NodeInfo.of(node("a", "1", "1Gi", 10).editMetadata().addToLabels("zone", "a").addToLabels("disk", "ssd").endMetadata().build());
        NodeInfo zoneOnly = NodeInfo.of(node("b", "1", "1Gi", 10).editMetadata().addToLabels("zone", "a").endMetadata().build());
        NodeInfo none = NodeInfo.of(node("c", "1", "1Gi", 10).build());
        long[] scores = {plugin.score(info, both), plugin.score(info, zoneOnly), plugin.score(info, none)};
        assertArrayEquals(new long[] {40, 10, 0}, scores);
        plugin.normalize(info, scores, 3);
        assertArrayEquals(new long[] {100, 25, 0}, scores);
    }

    @Test
    void untoleratedPreferNoScheduleTaintsLowerTheScore() {
        TaintToleration plugin = new TaintToleration();
        NodeInfo twoTaints = NodeInfo.of(node("a", "1", "1Gi", 10).editSpec()
                .addNewTaint().withKey("x").withEffect("PreferNoSchedule").endTaint()
                .addNewTaint().withKey("y").withEffect("PreferNoSchedule").endTaint().endSpec().build());
        NodeInfo oneTaint = NodeInfo.of(node("b", "1", "1Gi", 10).editSpec()
                .addNewTaint().withKey("x").withEffect("PreferNoSchedule").endTaint().endSpec().build());
        NodeInfo clean = NodeInfo.of(node("c", "1", "1Gi", 10).build());
        PodInfo plain = PodInfo.of(pod("p", null, null).build());
        long[] scores = {plugin.score(plain, twoTaints), plugin.score(plain, oneTaint), plugin.score(plain, clean)};
        plugin.normalize(plain, scores, 3);
        assertArrayEquals(new long[] {0, 50, 100}, scores);
        PodInfo tolerating = PodInfo.of(pod("t", null, null).editSpec().addNewToleration().withKey("x").withOperator("Exists")
                .withEffect("PreferNoSchedule").endToleration().endSpec().build());
        assertEquals(1, plugin.score(tolerating, twoTaints));
    }

    @Test
    void selectorSpreadPrefersNodesWithFewerReplicasOfTheSameOwner() {
        Pod replica = pod("r", null, null).editMetadata().addNewOwnerReference().withKind("ReplicaSet").withName("rs")
                .withUid("rs-1").withController(true).endOwnerReference().endMetadata().build();
        NodeInfo busy = NodeInfo.of(node("a", "1", "1Gi", 10).build());
        busy.addPod(PodInfo.of(replica));
        busy.addPod(PodInfo.of(replica));
        NodeInfo one = NodeInfo.of(node("b", "1", "1Gi", 10).build());
        one.addPod(PodInfo.of(replica));
        NodeInfo empty = NodeInfo.of(node("c", "1", "1Gi", 10).build());
        SelectorSpread plugin = new SelectorSpread();
        PodInfo incoming = PodInfo.of(replica);
        long[] scores = {plugin.score(incoming, busy), plugin.score(incoming, one), plugin.score(incoming, empty)};
        plugin.normalize(incoming, scores, 3);
        assertArrayEquals(new long[] {0, 50, 100}, scores);
    }

    @Test
    void defaultNormalizeWithAllZeroScores() {
        long[] s = {0, 0};
        ScorePlugin.defaultNormalize(s, 2, false);
        assertArrayEquals(new long[] {0, 0}, s);
        ScorePlugin.defaultNormalize(s, 2, true);
        assertArrayEquals(new long[] {100, 100}, s);
    }
}
