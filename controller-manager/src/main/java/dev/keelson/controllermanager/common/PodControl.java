package dev.keelson.controllermanager.common;

import dev.keelson.componentbase.events.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Kubernetes' PodControl for workload controllers: builds a pod from an owner's template (labels, annotations,
 * finalizers, {@code OWNER-} generateName and a controller reference), creates pods in slow-start batches of 1, 2,
 * 4 ... (so a template the apiserver refuses fails once, not a thousand times) and deletes pods, keeping the
 * controller's {@link Expectations} right when a create or delete fails, and recording Kubernetes' events
 * (SuccessfulCreate, FailedCreate, SuccessfulDelete, FailedDelete) on the owner.
 */
public final class PodControl implements AutoCloseable {
    private final KubernetesClient client;
    private final EventRecorder events;
    private final ExecutorService creators;

    /** @param threadName names the threads that send the creates of one batch in parallel */
    public PodControl(KubernetesClient client, EventRecorder events, String threadName) {
        this.client = client;
        this.events = events;
        this.creators = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Kubernetes' GetPodFromTemplate: a pod of {@code owner}'s namespace controlled by {@code owner}. */
    public static Pod fromTemplate(PodTemplateSpec template, HasMetadata owner) {
        ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
        return new PodBuilder()
                .withNewMetadata()
                .withGenerateName(owner.getMetadata().getName() + "-")
                .withNamespace(owner.getMetadata().getNamespace())
                .withLabels(tm.getLabels() == null ? new HashMap<>() : new HashMap<>(tm.getLabels()))
                .withAnnotations(tm.getAnnotations() == null ? null : new HashMap<>(tm.getAnnotations()))
                .withFinalizers(tm.getFinalizers() == null ? null : new ArrayList<>(tm.getFinalizers()))
                .withOwnerReferences(Pods.controllerRef(owner))
                .endMetadata()
                .withSpec(new PodBuilder().withSpec(template.getSpec()).build().getSpec())
                .build();
    }

    /**
     * Creates {@code count} pods ({@code podAt.apply(i)} for i in 0..count-1) in slow-start batches, after
     * expecting {@code count} creations under {@code key}. On the first failed batch the rest is skipped, the
     * expectations are lowered for every create that failed or was skipped, a FailedCreate event is recorded and the
     * first error is thrown.
     *
     * @return the pods created (all {@code count} when nothing is thrown)
     */
    public List<Pod> createInBatches(String key, Expectations expectations, HasMetadata owner, int count,
                                     IntFunction<Pod> podAt) throws KubernetesClientException {
        expectations.expectCreations(key, count);
        List<Pod> created = new ArrayList<>();
        int next = 0;
        int batch = 1;
        while (next < count) {
            int n = Math.min(batch, count - next);
            List<Future<Pod>> creates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Pod pod = podAt.apply(next + i);
                creates.add(creators.submit(() -> client.pods().inNamespace(owner.getMetadata().getNamespace())
                        .resource(pod).create()));
            }
            next += n;
            List<KubernetesClientException> errors = new ArrayList<>();
            for (Future<Pod> f : creates) {
                try {
                    Pod pod = f.get();
                    created.add(pod);
                    events.normal(owner, "SuccessfulCreate", "Created pod: " + pod.getMetadata().getName());
                } catch (ExecutionException e) {
                    errors.add(e.getCause() instanceof KubernetesClientException k ? k
                            : new KubernetesClientException(e.getCause().toString(), e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    errors.add(new KubernetesClientException("interrupted", e));
                }
            }
            if (!errors.isEmpty()) {
                for (int i = 0; i < errors.size() + (count - next); i++) {
                    expectations.creationObserved(key);
                }
                KubernetesClientException e = errors.get(0);
                events.warning(owner, "FailedCreate", "Error creating: " + ApiErrors.message(e));
                throw e;
            }
            batch *= 2;
        }
        return created;
    }

    /** Creates one pod outside any batch, with the same events (the caller keeps its own expectations). */
    public Pod create(HasMetadata owner, Pod pod) throws KubernetesClientException {
        try {
            Pod created = client.pods().inNamespace(owner.getMetadata().getNamespace()).resource(pod).create();
            events.normal(owner, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
            return created;
        } catch (KubernetesClientException e) {
            events.warning(owner, "FailedCreate", "Error creating: " + ApiErrors.message(e));
            throw e;
        }
    }

    /**
     * Deletes {@code pods} after expecting their deletion under {@code key}; a pod already gone counts as deleted,
     * any other failure lowers the expectation, records FailedDelete and is thrown after the rest were tried.
     */
    public void delete(String key, Expectations expectations, HasMetadata owner, List<Pod> pods)
            throws KubernetesClientException {
        expectations.expectDeletions(key, pods.stream().map(p -> p.getMetadata().getUid())
                .collect(java.util.stream.Collectors.toSet()));
        KubernetesClientException failure = null;
        for (Pod pod : pods) {
            try {
                if (!deleteOne(owner, pod)) {
                    // already gone: its delete event may have passed before the expectation was set
                    expectations.deletionObserved(key, pod.getMetadata().getUid());
                }
            } catch (KubernetesClientException e) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Deletes one pod with Kubernetes' events; the caller keeps its expectations.
     *
     * @return false if the pod was already gone
     */
    public boolean deleteOne(HasMetadata owner, Pod pod) throws KubernetesClientException {
        try {
            if (client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .delete().isEmpty()) {
                return false;
            }
            events.normal(owner, "SuccessfulDelete", "Deleted pod: " + pod.getMetadata().getName());
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            events.warning(owner, "FailedDelete", "Error deleting: " + ApiErrors.message(e));
            throw e;
        }
    }

    @Override
    public void close() {
        creators.shutdownNow();
    }
}
