package dev.keelson.scheduler.queue;

import static dev.keelson.scheduler.testing.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keelson.scheduler.framework.PodInfo;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SchedulingQueueTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final SchedulingQueue queue = new SchedulingQueue(now::get, Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(60));

    private static PodInfo p(String name) {
        return PodInfo.of(pod(name, null, null).build());
    }

    private static PodInfo p(String name, int priority) {
        return PodInfo.of(pod(name, null, null).editSpec().withPriority(priority).endSpec().build());
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void higherPriorityFirstThenOlderFirst() {
        queue.add(p("low-old", 0));
        advance(Duration.ofMillis(1));
        queue.add(p("high", 100));
        advance(Duration.ofMillis(1));
        queue.add(p("low-new", 0));
        assertEquals("default/high", queue.tryPop().key());
        assertEquals("default/low-old", queue.tryPop().key());
        assertEquals("default/low-new", queue.tryPop().key());
        assertNull(queue.tryPop());
    }

    @Test
    void backoffStartsAtOneSecondAndDoublesToTen() {
        assertEquals(Duration.ofSeconds(1).toNanos(), queue.backoffDuration(1));
        assertEquals(Duration.ofSeconds(2).toNanos(), queue.backoffDuration(2));
        assertEquals(Duration.ofSeconds(4).toNanos(), queue.backoffDuration(3));
        assertEquals(Duration.ofSeconds(8).toNanos(), queue.backoffDuration(4));
        assertEquals(Duration.ofSeconds(10).toNanos(), queue.backoffDuration(5));
        assertEquals(Duration.ofSeconds(10).toNanos(), queue.backoffDuration(50));
    }

    @Test
    void backedOffPodReturnsOnlyAfterItsBackoff() {
        queue.add(p("a"));
        QueuedPod a = queue.tryPop();
        queue.addBackoff(a);
        assertEquals(1, queue.backoffSize());
        advance(Duration.ofMillis(999));
        assertNull(queue.tryPop());
        advance(Duration.ofMillis(1));
        assertEquals("default/a", queue.tryPop().key());
        queue.addBackoff(a);
        advance(Duration.ofMillis(1999));
        assertNull(queue.tryPop(), "second attempt backs off 2 s");
        advance(Duration.ofMillis(1));
        assertEquals(2, queue.tryPop().attempts() - 1);
    }

    @Test
    void unschedulablePodWaitsForAClusterChange() {
        queue.add(p("a"));
        QueuedPod a = queue.tryPop();
        queue.addUnschedulable(a);
        assertEquals(1, queue.unschedulableSize());
        advance(Duration.ofSeconds(5));
        assertNull(queue.tryPop(), "backoff alone does not release an unschedulable pod");
        queue.moveAllToActiveOrBackoff();
        assertEquals(0, queue.unschedulableSize());
        assertEquals("default/a", queue.tryPop().key());
    }

    @Test
    void clusterChangeDuringBackoffMovesThePodToTheBackoffQueue() {
        queue.add(p("a"));
        QueuedPod a = queue.tryPop();
        queue.addUnschedulable(a);
        queue.moveAllToActiveOrBackoff();
        assertEquals(1, queue.backoffSize());
        assertNull(queue.tryPop());
        advance(Duration.ofSeconds(1));
        assertEquals("default/a", queue.tryPop().key());
    }

    @Test
    void unschedulablePodIsRetriedAfterSixtySecondsAnyway() {
        queue.add(p("a"));
        queue.addUnschedulable(queue.tryPop());
        advance(Duration.ofSeconds(59));
        assertNull(queue.tryPop());
        advance(Duration.ofSeconds(1));
        assertEquals("default/a", queue.tryPop().key());
    }

    @Test
    void changeDuringTheCycleSendsTheFailedPodToBackoffNotUnschedulable() {
        queue.add(p("a"));
        QueuedPod a = queue.tryPop();
        queue.moveAllToActiveOrBackoff();
        queue.addUnschedulable(a);
        assertEquals(0, queue.unschedulableSize());
        assertEquals(1, queue.backoffSize());
    }

    @Test
    void podDeletedWhileInFlightIsNotRequeued() {
        queue.add(p("a"));
        QueuedPod a = queue.tryPop();
        queue.delete("default/a");
        queue.addUnschedulable(a);
        assertFalse(queue.contains("default/a"));
        assertEquals(0, queue.unschedulableSize());
    }

    @Test
    void updateWhileInFlightIsSeenWhenRequeued() {
        queue.add(p("a"));
        QueuedPod a = queue.tryPop();
        PodInfo updated = PodInfo.of(pod("a", "1", null).build());
        queue.update(updated);
        queue.addBackoff(a);
        advance(Duration.ofSeconds(1));
        assertEquals(1000, queue.tryPop().info().request().milliCpu);
    }

    @Test
    void updatingAnUnschedulablePodGivesItAnotherChance() {
        queue.add(p("a"));
        queue.addUnschedulable(queue.tryPop());
        advance(Duration.ofSeconds(2));
        queue.update(p("a"));
        assertEquals(0, queue.unschedulableSize());
        assertEquals("default/a", queue.tryPop().key());
    }

    @Test
    void deletingQueuedPodsRemovesThemEverywhere() {
        queue.add(p("a"));
        queue.add(p("b"));
        queue.delete("default/a");
        assertEquals(1, queue.activeSize());
        assertEquals("default/b", queue.tryPop().key());
        assertFalse(queue.contains("default/a"));
    }

    @Test
    void addingAKnownPodDoesNotDuplicateIt() {
        queue.add(p("a"));
        queue.add(p("a"));
        assertEquals(1, queue.activeSize());
    }

    @Test
    void popWaitsForAPodAndReturnsNullWhenClosed() throws Exception {
        SchedulingQueue real = SchedulingQueue.withDefaults();
        new Thread(() -> real.add(p("late"))).start();
        QueuedPod got = real.pop(Duration.ofSeconds(10));
        assertEquals("default/late", got.key());
        real.close();
        assertNull(real.pop(Duration.ofSeconds(10)));
    }
}
