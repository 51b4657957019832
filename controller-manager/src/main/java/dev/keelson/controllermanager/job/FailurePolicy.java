package dev.keelson.controllermanager.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A Job's podFailurePolicy applied to one failed pod, as Kubernetes' matchPodFailurePolicy: the first matching rule wins. */
final class FailurePolicy {
    /** The matching rule's action and, for FailJob and FailIndex, Kubernetes' message. */
    record Match(String action, String message) {
    }

    private FailurePolicy() {
    }

    static Optional<Match> match(Job job, Pod pod) {
        if (job.getSpec().getPodFailurePolicy() == null || job.getSpec().getPodFailurePolicy().getRules() == null) {
            return Optional.empty();
        }
        List<PodFailurePolicyRule> rules = job.getSpec().getPodFailurePolicy().getRules();
        for (int i = 0; i < rules.size(); i++) {
            PodFailurePolicyRule rule = rules.get(i);
            if (rule.getOnExitCodes() != null) {
                Optional<ContainerStatus> c = matchingContainer(rule.getOnExitCodes(), pod);
                if (c.isPresent()) {
                    int code = c.get().getState().getTerminated().getExitCode();
                    return Optional.of(new Match(rule.getAction(), "Container " + c.get().getName() + " for pod "
                            + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                            + " failed with exit code " + code + " matching " + rule.getAction() + " rule at index " + i));
                }
            } else if (rule.getOnPodConditions() != null) {
                for (PodFailurePolicyOnPodConditionsPattern p : rule.getOnPodConditions()) {
                    if (hasCondition(pod, p.getType(), p.getStatus() == null ? "True" : p.getStatus())) {
                        return Optional.of(new Match(rule.getAction(), "Pod " + pod.getMetadata().getNamespace() + "/"
                                + pod.getMetadata().getName() + " has condition " + p.getType() + " matching "
                                + rule.getAction() + " rule at index " + i));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<ContainerStatus> matchingContainer(PodFailurePolicyOnExitCodesRequirement req, Pod pod) {
        if (pod.getStatus() == null) {
            return Optional.empty();
        }
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus().getInitContainerStatuses() != null) {
            all.addAll(pod.getStatus().getInitContainerStatuses());
        }
        if (pod.getStatus().getContainerStatuses() != null) {
            all.addAll(pod.getStatus().getContainerStatuses());
        }
        for (ContainerStatus c : all) {
            if (req.getContainerName() != null && !req.getContainerName().equals(c.getName())) {
                continue;
            }
            if (c.getState() == null || c.getState().getTerminated() == null
                    || c.getState().getTerminated().getExitCode() == null) {
                continue;
            }
            int code = c.getState().getTerminated().getExitCode();
            if (code == 0) {
                continue;
            }
            boolean in = req.getValues() != null && req.getValues().contains(code);
            if ("In".equals(req.getOperator()) == in) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static boolean hasCondition(Pod pod, String type, String status) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if (type.equals(c.getType()) && status.equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }
}
