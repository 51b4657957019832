package dev.keelson.controllermanager.job;

import dev.keelson.controllermanager.common.PodControl;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the Job controller reads from and writes into its pods: phase, index, the tracking finalizer. */
final class JobPods {
    static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    static final String INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
    static final String INDEX_LABEL = "batch.kubernetes.io/job-completion-index";
    static final String INDEX_ENV = "JOB_COMPLETION_INDEX";
    static final String INDEX_FAILURE_COUNT = "batch.kubernetes.io/job-index-failure-count";

    private JobPods() {
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    }

    static boolean succeeded(Pod pod) {
        return "Succeeded".equals(phase(pod));
    }

    /**
     * Kubernetes' isPodFailed: phase Failed; or, unless only failed pods are replaced, a pod being deleted that did
     * not succeed (an orphan that will never reach a phase).
     */
    static boolean failed(Pod pod, Job job) {
        if ("Failed".equals(phase(pod))) {
            return true;
        }
        if ("Failed".equals(job.getSpec().getPodReplacementPolicy())) {
            return false;
        }
        return pod.getMetadata().getDeletionTimestamp() != null && !succeeded(pod);
    }

    static boolean finished(Pod pod, Job job) {
        return succeeded(pod) || failed(pod, job);
    }

    /** Not finished and not being deleted. */
    static boolean active(Pod pod) {
        String phase = phase(pod);
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && pod.getMetadata().getDeletionTimestamp() == null;
    }

    static boolean terminating(Pod pod) {
        String phase = phase(pod);
        return pod.getMetadata().getDeletionTimestamp() != null && !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    static boolean hasFinalizer(Pod pod) {
        return pod.getMetadata().getFinalizers() != null && pod.getMetadata().getFinalizers().contains(TRACKING_FINALIZER);
    }

    /** The completion index of a pod of an Indexed Job, or -1. */
    static int index(Pod pod, int completions) {
        Map<String, String> a = pod.getMetadata().getAnnotations();
        String v = a == null ? null : a.get(INDEX_ANNOTATION);
        if (v == null && pod.getMetadata().getLabels() != null) {
            v = pod.getMetadata().getLabels().get(INDEX_LABEL);
        }
        try {
            int i = v == null ? -1 : Integer.parseInt(v);
            return i >= 0 && i < completions ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static int failureCount(Pod pod) {
        Map<String, String> a = pod.getMetadata().getAnnotations();
        try {
            return a == null || a.get(INDEX_FAILURE_COUNT) == null ? 0 : Integer.parseInt(a.get(INDEX_FAILURE_COUNT));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static boolean indexed(Job job) {
        return "Indexed".equals(job.getSpec().getCompletionMode());
    }

    /**
     * A new pod of {@code job}: the template with the tracking finalizer; for an Indexed Job also the index annotation
     * and label, {@code JOB_COMPLETION_INDEX} in every container (from the annotation), hostname {@code NAME-INDEX}
     * and generateName {@code NAME-INDEX-}.
     */
    static Pod newPod(Job job, int index, int indexFailures) {
        Pod pod = PodControl.fromTemplate(job.getSpec().getTemplate(), job);
        List<String> finalizers = pod.getMetadata().getFinalizers() == null ? new ArrayList<>()
                : new ArrayList<>(pod.getMetadata().getFinalizers());
        finalizers.add(TRACKING_FINALIZER);
        pod.getMetadata().setFinalizers(finalizers);
        if (index >= 0) {
            String i = Integer.toString(index);
            Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? new HashMap<>()
                    : new HashMap<>(pod.getMetadata().getAnnotations());
            annotations.put(INDEX_ANNOTATION, i);
            if (job.getSpec().getBackoffLimitPerIndex() != null) {
                annotations.put(INDEX_FAILURE_COUNT, Integer.toString(indexFailures));
            }
            pod.getMetadata().setAnnotations(annotations);
            pod.getMetadata().getLabels().put(INDEX_LABEL, i);
            pod.getMetadata().setGenerateName(job.getMetadata().getName() + "-" + i + "-");
            if (pod.getSpec().getHostname() == null) {
                pod.getSpec().setHostname(job.getMetadata().getName() + "-" + i);
            }
            EnvVar env = new EnvVarBuilder().withName(INDEX_ENV).withNewValueFrom().withNewFieldRef()
                    .withFieldPath("metadata.annotations['" + INDEX_ANNOTATION + "']").endFieldRef().endValueFrom().build();
            List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
            if (pod.getSpec().getInitContainers() != null) {
                all.addAll(pod.getSpec().getInitContainers());
            }
            for (Container c : all) {
                List<EnvVar> vars = c.getEnv() == null ? new ArrayList<>() : new ArrayList<>(c.getEnv());
                vars.removeIf(v -> INDEX_ENV.equals(v.getName()));
                vars.add(env);
                c.setEnv(vars);
            }
        }
        return pod;
    }
}
