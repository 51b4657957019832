package dev.keelson.kubelet.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keelson.kubelet.runtime.ContainerRecord;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodStatusCalculatorTest {
    private final Instant now = Instant.parse("2026-01-01T00:01:00Z");
    private final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ContainerRecord record(String id, String kind, String state, int exit, int restarts, Instant started, Instant finished) {
        return new ContainerRecord(id, kind, "c", restarts, state, exit, false, "", started, started, finished,
                "nginx:1.27", "sha256:img", kind.equals("sandbox") ? "10.244.0.7" : null, Map.of());
    }

    private static ContainerRecord sandbox() {
        return record("sb", "sandbox", "running", 0, 0, Instant.parse("2026-01-01T00:00:00Z"), null);
    }

    private Pod pod(String restartPolicy) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withUid("u").endMetadata()
                .withNewSpec().withRestartPolicy(restartPolicy).addNewContainer().withName("c").withImage("nginx:1.27").endContainer()
                .endSpec().build();
    }

    private static ContainerView view(List<ContainerRecord> attempts, String reason, boolean ready) {
        return new ContainerView("c", "nginx:1.27", "sha256:img", attempts, reason, reason == null ? null : "msg", ready, ready, null);
    }

    private static String condition(PodStatus s, String type) {
        return s.getConditions().stream().filter(c -> c.getType().equals(type)).map(PodCondition::getStatus).findFirst().orElse(null);
    }

    @Test
    void runningReadyContainerMakesThePodRunningAndReadyWithTheSandboxIp() {
        ContainerRecord app = record("a1", "app", "running", 0, 0, t0, null);
        PodStatus s = PodStatusCalculator.build(pod("Always"),
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(app), null, true)), "192.168.1.2"), now);
        assertEquals("Running", s.getPhase());
        assertEquals("True", condition(s, "Ready"));
        assertEquals("True", condition(s, "ContainersReady"));
        assertEquals("True", condition(s, "Initialized"));
        assertEquals("True", condition(s, "PodScheduled"));
        assertEquals("10.244.0.7", s.getPodIP());
        assertEquals("10.244.0.7", s.getPodIPs().get(0).getIp());
        assertEquals("192.168.1.2", s.getHostIP());
        assertEquals("2026-01-01T00:01:00Z", s.getStartTime());
        ContainerStatus cs = s.getContainerStatuses().get(0);
        assertEquals("docker://a1", cs.getContainerID());
        assertEquals("docker://sha256:img", cs.getImageID());
        assertEquals("2026-01-01T00:00:00Z", cs.getState().getRunning().getStartedAt());
        assertEquals(true, cs.getReady());
    }

    @Test
    void failingReadinessKeepsThePodRunningButNotReady() {
        ContainerRecord app = record("a1", "app", "running", 0, 0, t0, null);
        PodStatus s = PodStatusCalculator.build(pod("Always"),
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(app), null, false)), "h"), now);
        assertEquals("Running", s.getPhase());
        assertEquals("False", condition(s, "Ready"));
        assertEquals("ContainersNotReady", s.getConditions().stream().filter(c -> c.getType().equals("Ready")).findFirst().get().getReason());
    }

    @Test
    void crashLoopShowsWaitingWithLastTerminatedStateAndRestartCount() {
        ContainerRecord exited = record("a2", "app", "exited", 3, 2, t0, t0.plusSeconds(5));
        ContainerRecord older = record("a1", "app", "exited", 3, 1, t0.minusSeconds(30), t0.minusSeconds(25));
        PodStatus s = PodStatusCalculator.build(pod("Always"), new PodStatusCalculator.Observation(sandbox(), List.of(),
                List.of(view(List.of(exited, older), "CrashLoopBackOff", false)), "h"), now);
        ContainerStatus cs = s.getContainerStatuses().get(0);
        assertEquals("CrashLoopBackOff", cs.getState().getWaiting().getReason());
        assertEquals(3, cs.getLastState().getTerminated().getExitCode());
        assertEquals("Error", cs.getLastState().getTerminated().getReason());
        assertEquals("2026-01-01T00:00:05Z", cs.getLastState().getTerminated().getFinishedAt());
        assertEquals(2, cs.getRestartCount());
        assertEquals("Running", s.getPhase(), "a restarting container keeps the pod Running");
    }

    @Test
    void completedContainersGivePhasesByRestartPolicy() {
        ContainerRecord ok = record("a1", "app", "exited", 0, 0, t0, t0.plusSeconds(1));
        ContainerRecord bad = record("a1", "app", "exited", 1, 0, t0, t0.plusSeconds(1));
        assertEquals("Succeeded", PodStatusCalculator.build(pod("Never"),
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(ok), null, false)), "h"), now).getPhase());
        assertEquals("Failed", PodStatusCalculator.build(pod("Never"),
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(bad), null, false)), "h"), now).getPhase());
        PodStatus done = PodStatusCalculator.build(pod("OnFailure"),
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(ok), null, false)), "h"), now);
        assertEquals("Succeeded", done.getPhase());
        assertEquals("Completed", done.getContainerStatuses().get(0).getState().getTerminated().getReason());
        assertEquals("False", condition(done, "Ready"));
    }

    @Test
    void imagePullFailureKeepsThePodPendingWithTheReason() {
        PodStatus s = PodStatusCalculator.build(pod("Always"), new PodStatusCalculator.Observation(sandbox(), List.of(),
                List.of(view(List.of(), "ErrImagePull", false)), "h"), now);
        assertEquals("Pending", s.getPhase());
        ContainerStatus cs = s.getContainerStatuses().get(0);
        assertEquals("ErrImagePull", cs.getState().getWaiting().getReason());
        assertNull(cs.getContainerID());
        assertEquals(0, cs.getRestartCount());
    }

    @Test
    void runningInitContainerKeepsAppContainersInPodInitializing() {
        ContainerRecord init = record("i1", "init", "running", 0, 0, t0, null);
        ContainerView initView = new ContainerView("init", "busybox:1.35", "sha256:b", List.of(init), null, null, false, false, null);
        PodStatus s = PodStatusCalculator.build(pod("Always"), new PodStatusCalculator.Observation(sandbox(), List.of(initView),
                List.of(view(List.of(), null, false)), "h"), now);
        assertEquals("Pending", s.getPhase());
        assertEquals("False", condition(s, "Initialized"));
        assertEquals("PodInitializing", s.getContainerStatuses().get(0).getState().getWaiting().getReason());
        assertNotNull(s.getInitContainerStatuses().get(0).getState().getRunning());
    }

    @Test
    void conditionTransitionTimesSurviveUnchangedStatus() {
        ContainerRecord app = record("a1", "app", "running", 0, 0, t0, null);
        Pod p = pod("Always");
        PodStatus first = PodStatusCalculator.build(p,
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(app), null, true)), "h"), now);
        p.setStatus(first);
        PodStatus second = PodStatusCalculator.build(p,
                new PodStatusCalculator.Observation(sandbox(), List.of(), List.of(view(List.of(app), null, true)), "h"),
                now.plusSeconds(30));
        assertEquals(first, second);
    }
}
