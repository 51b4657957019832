package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.ContainerRecord;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Computes a pod's API status from what Docker and the probes report, following the kubelet's rules. */
public final class PodStatusCalculator {
    private PodStatusCalculator() {}

    /** Observation of the whole pod: its sandbox and one view per init container and per app container, in spec order. */
    public record Observation(ContainerRecord sandbox, List<ContainerView> initContainers, List<ContainerView> containers,
                              String hostIp) {}

    /** Whether a status has the Ready condition True. */
    public static boolean isReady(PodStatus status) {
        return status != null && status.getConditions() != null && status.getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    public static String time(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    public static PodStatus build(Pod pod, Observation obs, Instant now) {
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        String restartPolicy = restartPolicy(pod);
        List<ContainerStatus> initStatuses = new ArrayList<>();
        for (ContainerView v : obs.initContainers()) {
            initStatuses.add(containerStatus(v, "PodInitializing"));
        }
        boolean initialized = obs.initContainers().stream().allMatch(PodStatusCalculator::succeeded);
        boolean initFailed = obs.initContainers().stream().anyMatch(v -> {
            ContainerRecord c = v.current();
            return c != null && c.exited() && c.exitCode() != 0 && v.waitingReason() == null;
        });
        List<ContainerStatus> statuses = new ArrayList<>();
        for (ContainerView v : obs.containers()) {
            statuses.add(containerStatus(v, initialized ? "ContainerCreating" : "PodInitializing"));
        }

        String phase = phase(statuses, initialized, initFailed && "Never".equals(restartPolicy), restartPolicy);
        boolean containersReady = !statuses.isEmpty() && statuses.stream().allMatch(s -> Boolean.TRUE.equals(s.getReady()));
        boolean terminal = phase.equals("Succeeded") || phase.equals("Failed");

        List<PodCondition> conditions = new ArrayList<>();
        conditions.add(condition(old, "PodScheduled", true, null, now));
        conditions.add(condition(old, "Initialized", initialized, initialized ? null : "ContainersNotInitialized", now));
        conditions.add(condition(old, "ContainersReady", containersReady && !terminal,
                containersReady && !terminal ? null : terminal ? "PodCompleted" : "ContainersNotReady", now));
        conditions.add(condition(old, "Ready", containersReady && !terminal,
                containersReady && !terminal ? null : terminal ? "PodCompleted" : "ContainersNotReady", now));

        String podIp = obs.sandbox() != null && obs.sandbox().running() && obs.sandbox().ipAddress() != null
                ? obs.sandbox().ipAddress() : old.getPodIP();
        PodStatusBuilder b = new PodStatusBuilder()
                .withPhase(phase).withConditions(conditions).withHostIP(obs.hostIp())
                .withStartTime(old.getStartTime() != null ? old.getStartTime() : time(now))
                .withContainerStatuses(statuses).withQosClass(old.getQosClass());
        if (obs.hostIp() != null) {
            b.withHostIPs(new HostIP(obs.hostIp()));
        }
        if (podIp != null) {
            b.withPodIP(podIp).withPodIPs(new PodIP(podIp));
        }
        if (!initStatuses.isEmpty()) {
            b.withInitContainerStatuses(initStatuses);
        }
        return b.build();
    }

    static boolean succeeded(ContainerView v) {
        ContainerRecord c = v.current();
        return c != null && c.exited() && c.exitCode() == 0;
    }

    private static String restartPolicy(Pod pod) {
        String p = pod.getSpec().getRestartPolicy();
        return p == null || p.isEmpty() ? "Always" : p;
    }

    private static PodCondition condition(PodStatus old, String type, boolean status, String reason, Instant now) {
        String value = status ? "True" : "False";
        String since = time(now);
        if (old.getConditions() != null) {
            for (PodCondition c : old.getConditions()) {
                if (type.equals(c.getType()) && value.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                    since = c.getLastTransitionTime();
                }
            }
        }
        PodConditionBuilder b = new PodConditionBuilder().withType(type).withStatus(value).withLastTransitionTime(since);
        if (reason != null) {
            b.withReason(reason);
        }
        return b.build();
    }

    static ContainerStatus containerStatus(ContainerView v, String defaultWaiting) {
        ContainerRecord current = v.current();
        ContainerStatusBuilder b = new ContainerStatusBuilder().withName(v.name()).withImage(v.image())
                .withImageID(v.imageId() == null ? "" : "docker://" + v.imageId())
                .withRestartCount(current == null ? 0 : current.restartCount());
        ContainerState state;
        ContainerState last = new ContainerState();
        boolean running = current != null && current.running();
        if (running) {
            state = new ContainerStateBuilder().withNewRunning().withStartedAt(time(current.startedAt())).endRunning().build();
            if (v.previous() != null && v.previous().exited()) {
                last = new ContainerStateBuilder().withTerminated(terminated(v.previous(), null)).build();
            }
            b.withContainerID(current.dockerId());
        } else if (v.waitingReason() != null) {
            state = new ContainerStateBuilder().withNewWaiting().withReason(v.waitingReason()).withMessage(v.waitingMessage())
                    .endWaiting().build();
            if (current != null && current.exited()) {
                last = new ContainerStateBuilder().withTerminated(terminated(current, v.terminationMessage())).build();
                b.withContainerID(current.dockerId());
            }
        } else if (current != null && current.exited()) {
            state = new ContainerStateBuilder().withTerminated(terminated(current, v.terminationMessage())).build();
            if (v.previous() != null && v.previous().exited()) {
                last = new ContainerStateBuilder().withTerminated(terminated(v.previous(), null)).build();
            }
            b.withContainerID(current.dockerId());
        } else {
            state = new ContainerStateBuilder().withNewWaiting().withReason(defaultWaiting).endWaiting().build();
        }
        b.withState(state).withLastState(last).withReady(running && v.ready()).withStarted(running && v.started());
        return b.build();
    }

    static ContainerStateTerminated terminated(ContainerRecord c, String message) {
        String reason = c.oomKilled() ? "OOMKilled" : c.exitCode() == 0 ? "Completed" : "Error";
        if (c.error() != null && !c.error().isEmpty() && c.startedAt() == null) {
            reason = "ContainerCannotRun";
            message = c.error();
        }
        return new ContainerStateTerminatedBuilder().withExitCode(c.exitCode()).withReason(reason)
                .withMessage(message == null || message.isEmpty() ? null : message)
                .withStartedAt(time(c.startedAt())).withFinishedAt(time(c.finishedAt()))
                .withContainerID(c.dockerId()).build();
    }

    /** The pod phase from its container states, as the kubelet's getPhase computes it. */
    static String phase(List<ContainerStatus> statuses, boolean initialized, boolean initFailedForGood, String restartPolicy) {
        if (initFailedForGood) {
            return "Failed";
        }
        if (!initialized) {
            return "Pending";
        }
        int running = 0;
        int waiting = 0;
        int stopped = 0;
        int succeeded = 0;
        for (ContainerStatus s : statuses) {
            if (s.getState().getRunning() != null) {
                running++;
            } else if (s.getState().getTerminated() != null) {
                stopped++;
                if (s.getState().getTerminated().getExitCode() == 0) {
                    succeeded++;
                }
            } else if (s.getState().getWaiting() != null) {
                if (s.getLastState() != null && s.getLastState().getTerminated() != null) {
                    stopped++;
                } else {
                    waiting++;
                }
            }
        }
        if (waiting > 0) {
            return "Pending";
        }
        if (running > 0) {
            return "Running";
        }
        if (stopped > 0) {
            if (restartPolicy.equals("Always")) {
                return "Running";
            }
            if (stopped == succeeded) {
                return "Succeeded";
            }
            if (restartPolicy.equals("Never")) {
                return "Failed";
            }
            return "Running";
        }
        return "Pending";
    }
}
