package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PodStartTracesTest {
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final PodStartTraces traces = new PodStartTraces(metrics);

    private static Pod pod(String name, String uid, boolean ready) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace("ns").withName(name).withUid(uid).endMetadata();
        if (ready) {
            b.withNewStatus().addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus();
        }
        return b.build();
    }

    @Test
    void finishedStartKeepsTheFirstSpanOfEachStageAndFeedsTheStageHistogram() {
        traces.seen(pod("web", "u1", false));
        traces.span("u1", "sandbox_create", 100, 300);
        traces.span("u1", "sandbox_create", 1000, 5000);
        traces.span("u1", "start", 300, 700);
        traces.finish("u1");

        List<PodStartTraces.Trace> done = traces.recent();
        assertEquals(1, done.size());
        PodStartTraces.Trace t = done.get(0);
        assertEquals("ns", t.namespace());
        assertEquals("web", t.name());
        assertEquals(List.of(new PodStartTraces.Span("sandbox_create", 100, 300), new PodStartTraces.Span("start", 300, 700)),
                t.spans());
        Timer timer = metrics.find("kubelet_pod_start_stage_seconds").tag("stage", "start").timer();
        assertNotNull(timer);
        assertEquals(1, timer.count());
        assertEquals(400, timer.totalTime(TimeUnit.NANOSECONDS), 0.5);
    }

    @Test
    void podThatIsAlreadyReadyIsNotTraced() {
        traces.seen(pod("adopted", "u2", true));
        assertEquals("value", traces.time("u2", "list", () -> "value"));
        traces.finish("u2");
        assertTrue(traces.recent().isEmpty());
    }

    @Test
    void secondFinishAndSpansAfterItChangeNothing() {
        traces.seen(pod("web", "u3", false));
        traces.time("u3", "inspect", () -> { });
        traces.finish("u3");
        traces.span("u3", "list", 1, 2);
        traces.finish("u3");
        assertEquals(1, traces.recent().size());
        assertEquals(List.of("inspect"), traces.recent().get(0).spans().stream().map(PodStartTraces.Span::stage).toList());
    }

    @Test
    void discardedPodLeavesNoTrace() {
        traces.seen(pod("gone", "u4", false));
        traces.sinceSeen("u4", "queue");
        traces.discard("u4");
        traces.finish("u4");
        assertTrue(traces.recent().isEmpty());
        assertEquals(0, metrics.find("kubelet_pod_start_stage_seconds").timers().size());
    }

    @Test
    void keepsOnlyTheLastThousandStarts() {
        for (int i = 0; i < 1005; i++) {
            traces.seen(pod("p" + i, "uid-" + i, false));
            traces.finish("uid-" + i);
        }
        List<PodStartTraces.Trace> done = traces.recent();
        assertEquals(1000, done.size());
        assertEquals("p5", done.get(0).name());
        assertEquals("p1004", done.get(999).name());
    }
}
