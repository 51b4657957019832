package dev.keelson.scheduler;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static dev.keelson.scheduler.testing.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.scheduler.cache.SchedulerCache;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.queue.QueuedPod;
import dev.keelson.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventHandlersTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SchedulerCache cache = new SchedulerCache();
    private final SchedulingQueue queue = new SchedulingQueue(now::get, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60));
    private final PodEventHandler pods = new PodEventHandler("default-scheduler", cache, queue);
    private final NodeEventHandler nodes = new NodeEventHandler(cache, queue);

    private static Pod boundTo(Pod p, String node) {
        return new PodBuilder(p).editSpec().withNodeName(node).endSpec().build();
    }

    private QueuedPod parkUnschedulable(Pod p) {
        pods.onAdd(p);
        QueuedPod qp = queue.tryPop();
        queue.addUnschedulable(qp);
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        return qp;
    }

    @Test
    void onlyPendingPodsOfThisSchedulerAreQueued() {
        pods.onAdd(pod("mine", null, null).build());
        pods.onAdd(pod("other", null, null).editSpec().withSchedulerName("someone-else").endSpec().build());
        pods.onAdd(pod("leaving", null, null).editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata().build());
        pods.onAdd(pod("done", null, null).withNewStatus().withPhase("Succeeded").endStatus().build());
        assertEquals(1, queue.activeSize());
        assertEquals("default/mine", queue.tryPop().key());
    }

    @Test
    void boundPodsAreCountedAndTheirBindingConfirmsAnAssumption() {
        cache.addOrUpdateNode(node("n", "4", "8Gi", 10).build());
        Pod p = pod("p", "1", "1Gi").build();
        pods.onAdd(p);
        QueuedPod qp = queue.tryPop();
        cache.assume(qp.info(), "n");
        pods.onUpdate(p, boundTo(p, "n"));
        assertTrue(cache.isAssumedOrBound("default/p"));
        assertFalse(cache.isAssumed("default/p"), "the binding was observed");
        assertEquals(1000, cache.usage("n").milliCpu());
    }

    @Test
    void finishedPodFreesItsNodeAndRetriesUnschedulablePods() {
        cache.addOrUpdateNode(node("n", "4", "8Gi", 10).build());
        Pod running = boundTo(pod("running", "4", "1Gi").build(), "n");
        pods.onAdd(running);
        parkUnschedulable(pod("waiting", "1", "1Gi").build());
        Pod finished = new PodBuilder(running).withNewStatus().withPhase("Succeeded").endStatus().build();
        pods.onUpdate(running, finished);
        assertEquals(0, cache.usage("n").milliCpu());
        assertEquals("default/waiting", queue.tryPop().key());
    }

    @Test
    void deletedBoundPodRetriesUnschedulablePods() {
        cache.addOrUpdateNode(node("n", "4", "8Gi", 10).build());
        Pod running = boundTo(pod("running", "4", "1Gi").build(), "n");
        pods.onAdd(running);
        parkUnschedulable(pod("waiting", "1", "1Gi").build());
        pods.onDelete(running, false);
        assertEquals(0, cache.usage("n").milliCpu());
        assertEquals("default/waiting", queue.tryPop().key());
    }

    @Test
    void statusOnlyUpdateOfAnUnschedulablePodDoesNotRetryIt() {
        Pod p = pod("p", "1", "1Gi").build();
        parkUnschedulable(p);
        Pod withCondition = new PodBuilder(p).withNewStatus().addNewCondition().withType("PodScheduled").withStatus("False")
                .endCondition().endStatus().build();
        pods.onUpdate(p, withCondition);
        assertEquals(1, queue.unschedulableSize());
        Pod relabelled = new PodBuilder(p).editMetadata().addToLabels("tier", "web").endMetadata().build();
        pods.onUpdate(withCondition, relabelled);
        assertEquals(0, queue.unschedulableSize());
    }

    @Test
    void newNodeRetriesUnschedulablePodsButAHeartbeatDoesNot() {
        Node n = node("n", "4", "8Gi", 10).build();
        nodes.onAdd(n);
        parkUnschedulable(pod("p", "8", null).build());
        Node heartbeat = new NodeBuilder(n).editStatus().editFirstCondition().withLastHeartbeatTime("2026-01-01T00:00:10Z")
                .endCondition().endStatus().build();
        nodes.onUpdate(n, heartbeat);
        assertEquals(1, queue.unschedulableSize(), "a heartbeat changes nothing a pod could need");
        Node cordoned = new NodeBuilder(heartbeat).editSpec().withUnschedulable(true).endSpec().build();
        nodes.onUpdate(heartbeat, cordoned);
        assertEquals(0, queue.unschedulableSize());
        parkUnschedulable(pod("q", "8", null).build());
        nodes.onAdd(node("m", "16", "8Gi", 10).build());
        assertEquals(0, queue.unschedulableSize());
    }

    @Test
    void podBoundBySomeoneElseLeavesTheQueue() {
        Pod p = pod("p", null, null).build();
        pods.onAdd(p);
        pods.onUpdate(p, boundTo(p, "n"));
        assertNull(queue.tryPop());
        assertTrue(cache.isAssumedOrBound(PodInfo.keyOf(p)));
    }
}
