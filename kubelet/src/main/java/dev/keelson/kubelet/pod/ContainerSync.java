package dev.keelson.kubelet.pod;

import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.images.ImagePuller;
import dev.keelson.kubelet.probe.ProbeManager;
import dev.keelson.kubelet.runtime.ContainerConfigException;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.RuntimeUnavailableException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The init and app containers of a pod whose sandbox runs: init containers one after the other to success, then every
 * app container; each is started, restarted by the restart policy with crash-loop back-off, or killed on a failed
 * liveness probe, and reported as a {@link ContainerView}.
 */
final class ContainerSync {
    static final Duration STEADY = Duration.ofSeconds(10);
    static final Duration SOON = Duration.ofSeconds(1);

    /** The pod's containers as this sync left them, and when to look again (null: only news should trigger it). */
    record Result(List<ContainerView> init, List<ContainerView> app, Duration next) {}

    /** What blocks every container of the pod (no sandbox, volumes not ready), as a waiting reason and message. */
    record Blocked(String reason, String message) {}

    private record StepResult(ContainerView view, Duration next) {}

    private final ContainerRuntime runtime;
    private final ImagePuller images;
    private final ProbeManager probes;
    private final EventRecorder events;
    private final PodStartTraces traces;
    private final ContainerConfigs configs;
    private final Backoff crashBackoff = Backoff.crashLoop();

    ContainerSync(ContainerRuntime runtime, ImagePuller images, ProbeManager probes, EventRecorder events,
                  PodStartTraces traces, ContainerConfigs configs) {
        this.runtime = runtime;
        this.images = images;
        this.probes = probes;
        this.events = events;
        this.traces = traces;
        this.configs = configs;
    }

    void forget(String uid) {
        crashBackoff.forgetPrefix(uid + "/");
    }

    /**
     * @param blocked non-null when no container may start: every container is reported waiting
     */
    Result sync(Pod pod, List<ContainerRecord> all, ContainerRecord sandbox, String podIp, Map<String, Path> podVolumes,
                Blocked blocked, Instant now) {
        Map<String, List<ContainerRecord>> byName = new HashMap<>();
        for (ContainerRecord c : all) {
            if (!ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                byName.computeIfAbsent(c.kind() + "/" + c.containerName(), k -> new ArrayList<>()).add(c);
            }
        }
        Duration next = null;
        List<ContainerView> initViews = new ArrayList<>();
        List<ContainerView> appViews = new ArrayList<>();
        List<Container> initSpecs = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
        boolean initialized = true;
        for (Container spec : initSpecs) {
            List<ContainerRecord> attempts = byName.getOrDefault(ContainerLabels.KIND_INIT + "/" + spec.getName(), List.of());
            if (blocked != null || !initialized) {
                String reason = initialized && blocked != null ? blocked.reason() : null;
                initViews.add(view(spec, attempts, reason, blocked == null ? null : blocked.message(), false, false, pod));
                initialized = false;
                continue;
            }
            ContainerRecord current = attempts.isEmpty() ? null : attempts.get(0);
            if (current != null && current.exited() && current.exitCode() == 0) {
                initViews.add(view(spec, attempts, null, null, false, false, pod));
                continue;
            }
            initialized = false;
            StepResult r = step(pod, spec, ContainerLabels.KIND_INIT, attempts, sandbox, podIp, podVolumes, now, true);
            next = min(next, r.next);
            initViews.add(r.view);
        }
        for (Container spec : pod.getSpec().getContainers()) {
            List<ContainerRecord> attempts = byName.getOrDefault(ContainerLabels.KIND_APP + "/" + spec.getName(), List.of());
            if (blocked != null || !initialized) {
                appViews.add(view(spec, attempts, blocked != null ? blocked.reason() : null,
                        blocked != null ? blocked.message() : null, false, false, pod));
                continue;
            }
            StepResult r = step(pod, spec, ContainerLabels.KIND_APP, attempts, sandbox, podIp, podVolumes, now, false);
            next = min(next, r.next);
            appViews.add(r.view);
        }
        return new Result(initViews, appViews, next);
    }

    /** Brings one container to its desired state and reports what it looks like afterwards. */
    private StepResult step(Pod pod, Container spec, String kind, List<ContainerRecord> attempts, ContainerRecord sandbox,
                            String podIp, Map<String, Path> podVolumes, Instant now, boolean init) {
        String uid = pod.getMetadata().getUid();
        String fieldPath = (init ? "spec.initContainers{" : "spec.containers{") + spec.getName() + "}";
        ContainerRecord current = attempts.isEmpty() ? null : attempts.get(0);
        String key = uid + "/" + kind + "/" + spec.getName();
        if (current != null && current.running()) {
            if (init) {
                return new StepResult(view(spec, attempts, null, null, false, false, pod), SOON);
            }
            probes.ensure(pod, spec, current.id(), podIp);
            ProbeManager.Results results = probes.results(current.id());
            if (results != null && results.livenessFailed()) {
                events.normal(pod, fieldPath, "Killing", results.livenessMessage());
                runtime.stopContainer(current.id(), PodTerminator.gracePeriod(pod));
                probes.remove(current.id());
                attempts = runtime.podContainers(uid).stream()
                        .filter(c -> kind.equals(c.kind()) && spec.getName().equals(c.containerName())).toList();
                current = attempts.isEmpty() ? null : attempts.get(0);
            } else {
                boolean ready = results == null || results.ready();
                boolean started = results == null || results.started();
                return new StepResult(view(spec, attempts, null, null, ready, started, pod),
                        ready && started ? STEADY : Duration.ofSeconds(5));
            }
        }
        if (current != null && current.exited()) {
            probes.remove(current.id());
            if (!shouldRestart(pod, current, init)) {
                return new StepResult(view(spec, attempts, null, null, false, false, pod), null);
            }
            Instant ended = current.finishedAt() != null ? current.finishedAt() : current.createdAt();
            if (crashBackoff.inBackoffSince(key, ended, now)) {
                Duration left = crashBackoff.remaining(key, ended, now);
                String podRef = pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + uid + ")";
                String msg = "back-off " + crashBackoff.delay(key).toSeconds() + "s restarting failed container="
                        + spec.getName() + " pod=" + podRef;
                events.warning(pod, fieldPath, "BackOff", "Back-off restarting failed container " + spec.getName()
                        + " in pod " + podRef);
                return new StepResult(view(spec, attempts, "CrashLoopBackOff", msg, false, false, pod),
                        left.plusMillis(100));
            }
            crashBackoff.next(key, now);
        }
        int restartCount = current == null ? 0 : current.restartCount() + 1;
        ImagePuller.Result image = traces.time(uid, "image", () -> images.ensure(pod, spec, fieldPath));
        if (!image.ok()) {
            return new StepResult(view(spec, attempts, image.reason(), image.message(), false, false, pod),
                    image.reason().equals("ErrImagePull") ? SOON : Duration.ofSeconds(2));
        }
        String id;
        try {
            id = traces.time(uid, "create", () -> runtime.createContainer(
                    configs.build(pod, spec, kind, restartCount, sandbox, podIp, podVolumes)));
        } catch (ContainerConfigException e) {
            events.warning(pod, fieldPath, "Failed", "Error: " + e.getMessage());
            return new StepResult(view(spec, attempts, e.reason(), e.getMessage(), false, false, pod), SOON);
        }
        events.normal(pod, fieldPath, "Created", "Created container " + spec.getName());
        try {
            traces.time(uid, "start", () -> runtime.startContainer(id));
            events.normal(pod, fieldPath, "Started", "Started container " + spec.getName());
        } catch (RuntimeException e) {
            if (e instanceof RuntimeUnavailableException) {
                throw e;
            }
            events.warning(pod, fieldPath, "Failed", "Error: " + ContainerRuntime.rootMessage(e));
        }
        trimAttempts(attempts);
        List<ContainerRecord> fresh = new ArrayList<>();
        ContainerRecord started = traces.time(uid, "inspect", () -> runtime.containerStatus(id));
        if (started != null) {
            fresh.add(started);
        }
        if (current != null) {
            fresh.add(current);
        }
        boolean readyNow = started != null && started.running() && spec.getReadinessProbe() == null && spec.getStartupProbe() == null;
        if (started != null && started.running() && !init) {
            probes.ensure(pod, spec, id, podIp);
        }
        // A running container without probes needs no early look: its exit wakes the worker through a runtime event.
        return new StepResult(view(spec, fresh, null, null, readyNow, readyNow, pod), readyNow ? STEADY : SOON);
    }

    /** Keeps the current and the previous attempt (for lastState and logs --previous); removes older ones. */
    private void trimAttempts(List<ContainerRecord> attempts) {
        for (int i = 1; i < attempts.size(); i++) {
            runtime.removeContainer(attempts.get(i).id());
        }
    }

    private static boolean shouldRestart(Pod pod, ContainerRecord exited, boolean init) {
        String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
        if (init) {
            return exited.exitCode() != 0 && !policy.equals("Never");
        }
        return switch (policy) {
            case "Never" -> false;
            case "OnFailure" -> exited.exitCode() != 0;
            default -> true;
        };
    }

    private ContainerView view(Container spec, List<ContainerRecord> attempts, String waitingReason, String waitingMessage,
                               boolean ready, boolean started, Pod pod) {
        ContainerRecord current = attempts.isEmpty() ? null : attempts.get(0);
        String imageId = current != null ? current.imageId() : null;
        String message = null;
        if (current != null && current.exited()) {
            message = configs.terminationMessage(pod, spec, current.restartCount());
        }
        return new ContainerView(spec.getName(), spec.getImage(), imageId, attempts, waitingReason, waitingMessage,
                ready, started, message);
    }

    static Duration min(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) <= 0 ? a : b;
    }
}
