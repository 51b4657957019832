package dev.keelson.componentbase.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventRecorderTest {
    /** Records what was written; writes stay open until completed by the test when {@code hold} is set. */
    static final class FakeSink implements EventSink {
        final List<Event> created = new ArrayList<>();
        final List<String> updates = new ArrayList<>();
        final List<CompletableFuture<Void>> open = new ArrayList<>();
        boolean hold;
        boolean updatesFail;

        @Override
        public synchronized CompletableFuture<Void> create(Event event) {
            created.add(event);
            return result();
        }

        @Override
        public synchronized CompletableFuture<Void> updateCount(String namespace, String name, int count, String last) {
            updates.add(namespace + "/" + name + " count=" + count);
            return updatesFail ? CompletableFuture.failedFuture(new IllegalStateException("404 NotFound")) : result();
        }

        private CompletableFuture<Void> result() {
            CompletableFuture<Void> f = new CompletableFuture<>();
            if (hold) {
                open.add(f);
            } else {
                f.complete(null);
            }
            return f;
        }
    }

    static Pod pod() {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName("web-1").withUid("uid-1")
                .withResourceVersion("42").endMetadata().build();
    }

    @Test
    void eventDescribesTheObjectTheComponentAndTheHost() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("kubelet").host("node-a").instance("node-a").build(sink);
        events.normal(pod(), "spec.containers{web}", "Pulled", "Container image \"nginx\" already present on machine");

        Event e = sink.created.get(0);
        assertEquals("shop", e.getMetadata().getNamespace());
        assertTrue(e.getMetadata().getName().startsWith("web-1."), e.getMetadata().getName());
        assertEquals("v1", e.getInvolvedObject().getApiVersion());
        assertEquals("Pod", e.getInvolvedObject().getKind());
        assertEquals("shop", e.getInvolvedObject().getNamespace());
        assertEquals("web-1", e.getInvolvedObject().getName());
        assertEquals("uid-1", e.getInvolvedObject().getUid());
        assertEquals("42", e.getInvolvedObject().getResourceVersion());
        assertEquals("spec.containers{web}", e.getInvolvedObject().getFieldPath());
        assertEquals("Normal", e.getType());
        assertEquals("Pulled", e.getReason());
        assertEquals("Container image \"nginx\" already present on machine", e.getMessage());
        assertEquals("kubelet", e.getSource().getComponent());
        assertEquals("node-a", e.getSource().getHost());
        assertEquals("kubelet", e.getReportingComponent());
        assertEquals("node-a", e.getReportingInstance());
        assertEquals(1, e.getCount());
        assertEquals(e.getFirstTimestamp(), e.getLastTimestamp());
        assertTrue(e.getFirstTimestamp().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), e.getFirstTimestamp());
    }

    @Test
    void eventAboutANodeIsWrittenToDefaultAndRefersToTheClusterScopedNode() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("node-controller").build(sink);
        Node node = new NodeBuilder().withNewMetadata().withName("node-b").withUid("n-uid").endMetadata().build();
        events.warning(node, "NodeNotReady", "Node node-b status is now: NodeNotReady");

        Event e = sink.created.get(0);
        assertEquals("default", e.getMetadata().getNamespace());
        assertNull(e.getInvolvedObject().getNamespace());
        assertEquals("Node", e.getInvolvedObject().getKind());
        assertEquals("Warning", e.getType());
        assertNull(e.getSource().getHost());
        assertNull(e.getReportingInstance());
    }

    @Test
    void eventsRecordedInTheSameInstantGetDistinctNames() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("default-scheduler").action("Scheduling").maxInFlight(16)
                .build(sink);
        for (int i = 0; i < 100; i++) {
            events.normal(pod(), "Scheduled", "Successfully assigned shop/web-1 to node-a");
        }
        assertEquals(100, sink.created.stream().map(e -> e.getMetadata().getName()).distinct().count());
        assertEquals("Scheduling", sink.created.get(0).getAction());
    }

    @Test
    void repeatsBumpCountOfTheFirstEventWhenAggregated() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("kubelet").aggregateRepeats().build(sink);
        for (int i = 0; i < 3; i++) {
            events.warning(pod(), "spec.containers{web}", "BackOff", "Back-off restarting failed container web");
        }
        events.warning(pod(), "spec.containers{web}", "Failed", "Error: exit 1");

        assertEquals(2, sink.created.size());
        String first = sink.created.get(0).getMetadata().getName();
        assertEquals(List.of("shop/" + first + " count=2", "shop/" + first + " count=3"), sink.updates);
    }

    @Test
    void repeatsAreSeparateEventsWithoutAggregation() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("replicaset-controller").build(sink);
        events.normal(pod(), "SuccessfulCreate", "Created pod");
        events.normal(pod(), "SuccessfulCreate", "Created pod");
        assertEquals(2, sink.created.size());
        assertTrue(sink.updates.isEmpty());
    }

    @Test
    void aRepeatOfAnEventThatIsGoneCreatesANewOne() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("kubelet").aggregateRepeats().build(sink);
        events.normal(pod(), "Pulling", "Pulling image \"nginx\"");
        sink.updatesFail = true;
        events.normal(pod(), "Pulling", "Pulling image \"nginx\"");

        assertEquals(1, sink.updates.size());
        assertEquals(2, sink.created.size());
        assertNotEquals(sink.created.get(0).getMetadata().getName(), sink.created.get(1).getMetadata().getName());
        assertEquals(1, sink.created.get(1).getCount());
    }

    @Test
    void forgottenObjectStartsAFreshEvent() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("kubelet").aggregateRepeats().build(sink);
        events.normal(pod(), "Killing", "Stopping container web");
        events.forget("uid-1");
        events.normal(pod(), "Killing", "Stopping container web");
        assertEquals(2, sink.created.size());
        assertTrue(sink.updates.isEmpty());
    }

    @Test
    void noMoreThanMaxInFlightWritesAtOnceAndTheRestFollowInOrder() {
        FakeSink sink = new FakeSink();
        sink.hold = true;
        EventRecorder events = EventRecorder.builder("kubelet").maxInFlight(2).build(sink);
        for (int i = 0; i < 5; i++) {
            events.normal(pod(), "Created", "Created container c" + i);
        }
        assertEquals(2, sink.created.size());
        while (!sink.open.isEmpty()) {
            sink.open.remove(0).complete(null);
        }
        assertEquals(List.of("Created container c0", "Created container c1", "Created container c2",
                "Created container c3", "Created container c4"), sink.created.stream().map(Event::getMessage).toList());
    }

    @Test
    void eventsBeyondMaxPendingAreDroppedAndCounted() {
        FakeSink sink = new FakeSink();
        sink.hold = true;
        AtomicInteger dropped = new AtomicInteger();
        EventRecorder events = EventRecorder.builder("default-scheduler").maxPending(3, dropped::incrementAndGet)
                .build(sink);
        for (int i = 0; i < 10; i++) {
            events.warning(pod(), "FailedScheduling", "0/1 nodes are available " + i);
        }
        // one is being written, three wait
        assertEquals(6, dropped.get());
        while (!sink.open.isEmpty()) {
            sink.open.remove(0).complete(null);
        }
        assertEquals(4, sink.created.size());
    }

    @Test
    void aFailedWriteDoesNotStopTheFollowingOnes() {
        FakeSink sink = new FakeSink();
        sink.hold = true;
        EventRecorder events = EventRecorder.builder("deployment-controller").build(sink);
        events.normal(pod(), "ScalingReplicaSet", "Scaled up replica set web-1 to 1");
        events.normal(pod(), "ScalingReplicaSet", "Scaled up replica set web-1 to 2");
        sink.open.remove(0).completeExceptionally(new IllegalStateException("403 Forbidden"));
        sink.open.remove(0).complete(null);
        assertEquals(2, sink.created.size());
    }

    @Test
    void nothingIsWrittenAfterClose() {
        FakeSink sink = new FakeSink();
        EventRecorder events = EventRecorder.builder("kubelet").build(sink);
        events.close();
        events.normal(pod(), "Started", "Started container web");
        assertTrue(sink.created.isEmpty());
    }

    @Test
    void aggregationWithSeveralWritesInFlightIsRefused() {
        assertThrows(IllegalStateException.class,
                () -> EventRecorder.builder("kubelet").aggregateRepeats().maxInFlight(4).build(new FakeSink()));
    }
}
