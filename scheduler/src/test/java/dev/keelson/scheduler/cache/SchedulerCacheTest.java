package dev.keelson.scheduler.cache;

import static dev.keelson.scheduler.testing.Fixtures.pod;
import static dev.keelson.scheduler.testing.Fixtures.readyNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.scheduler.framework.PodInfo;
import org.junit.jupiter.api.Test;

class SchedulerCacheTest {
    private final SchedulerCache cache = new SchedulerCache();

    @Test
    void assumedPodTakesCapacityUntilForgotten() {
        cache.addOrUpdateNode(readyNode("n", "4", "8Gi"));
        cache.assume(PodInfo.of(pod("p", "1", "1Gi").build()), "n");
        assertEquals(1000, cache.usage("n").milliCpu());
        assertTrue(cache.isAssumed("default/p"));
        cache.forget("default/p");
        assertEquals(0, cache.usage("n").milliCpu());
        assertEquals(0, cache.usage("n").pods());
        assertFalse(cache.isAssumedOrBound("default/p"));
    }

    @Test
    void observedBindingConfirmsTheAssumptionWithoutCountingTwice() {
        cache.addOrUpdateNode(readyNode("n", "4", "8Gi"));
        PodInfo p = PodInfo.of(pod("p", "1", "1Gi").build());
        cache.assume(p, "n");
        cache.addOrUpdateBoundPod(p, "n");
        assertEquals(1, cache.usage("n").pods());
        assertEquals(1000, cache.usage("n").milliCpu());
        cache.forget("default/p");
        assertEquals(1, cache.usage("n").pods(), "a pod seen bound is not forgotten");
    }

    @Test
    void podBoundElsewhereMovesToTheRealNode() {
        cache.addOrUpdateNode(readyNode("a", "4", "8Gi"));
        cache.addOrUpdateNode(readyNode("b", "4", "8Gi"));
        PodInfo p = PodInfo.of(pod("p", "1", "1Gi").build());
        cache.assume(p, "a");
        cache.addOrUpdateBoundPod(p, "b");
        assertEquals(0, cache.usage("a").pods());
        assertEquals(1, cache.usage("b").pods());
    }

    @Test
    void deletedPodFreesItsNode() {
        cache.addOrUpdateNode(readyNode("n", "4", "8Gi"));
        cache.addOrUpdateBoundPod(PodInfo.of(pod("p", "2", "1Gi").build()), "n");
        cache.removePod("default/p");
        assertEquals(0, cache.usage("n").milliCpu());
    }

    @Test
    void podsOnAnUnknownNodeAreKeptUntilTheNodeAppears() {
        cache.addOrUpdateBoundPod(PodInfo.of(pod("p", "2", "1Gi").build()), "late");
        assertEquals(0, cache.nodeCount(), "a node without a Node object is not schedulable");
        cache.addOrUpdateNode(readyNode("late", "4", "8Gi"));
        assertEquals(1, cache.nodeCount());
        assertEquals(2000, cache.usage("late").milliCpu());
    }

    @Test
    void removedNodeLeavesTheScheduleableListButKeepsItsPodsCounted() {
        cache.addOrUpdateNode(readyNode("a", "4", "8Gi"));
        cache.addOrUpdateNode(readyNode("b", "4", "8Gi"));
        cache.addOrUpdateNode(readyNode("c", "4", "8Gi"));
        cache.addOrUpdateBoundPod(PodInfo.of(pod("p", "1", "1Gi").build()), "a");
        cache.removeNode("a");
        assertEquals(2, cache.nodeCount());
        assertEquals(java.util.Set.of("b", "c"),
                cache.locked(nodes -> nodes.stream().map(n -> n.name()).collect(java.util.stream.Collectors.toSet())));
        assertEquals(1, cache.usage("a").pods());
        cache.removePod("default/p");
        assertNull(cache.usage("a"));
    }

    @Test
    void nodeUpdateKeepsUsage() {
        cache.addOrUpdateNode(readyNode("n", "4", "8Gi"));
        cache.addOrUpdateBoundPod(PodInfo.of(pod("p", "1", "1Gi").build()), "n");
        cache.addOrUpdateNode(readyNode("n", "8", "8Gi"));
        assertEquals(1000, cache.usage("n").milliCpu());
        assertEquals(1, cache.nodeCount());
    }
}
