package dev.keelson.controllermanager.replicaset;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.ApiErrors;
import dev.keelson.controllermanager.common.Expectations;
import dev.keelson.controllermanager.common.ControllerRefManager;
import dev.keelson.controllermanager.common.PodControl;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps exactly spec.replicas active pods for every ReplicaSet: creates missing ones from the template,
 * deletes the least valuable extra ones, adopts matching orphans, releases owned pods that stopped matching,
 * and reports replicas / fullyLabeledReplicas / readyReplicas / availableReplicas in status.
 */
public final class ReplicaSetController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);
    /** Kubernetes' burstReplicas: at most this many creates or deletes per sync. */
    static final int BURST_REPLICAS = 500;

    private final KubernetesClient client;
    private final ReplicaSource source;
    private final SharedIndexInformer<Pod> podInformer;
    private final Expectations expectations = new Expectations();
    private final EventRecorder events;
    private final Controller controller;
    private final PodControl podControl;

    public ReplicaSetController(SharedInformers informers, MeterRegistry meters) {
        this(informers, ReplicaSource.replicaSets(informers.client(), informers.replicaSets()), "replicaset", meters);
    }

    /**
     * The replicationcontroller controller: the same logic over ReplicationControllers seen as ReplicaSets (equality
     * selectors as matchLabels), as Kubernetes runs it.
     */
    public static ReplicaSetController forReplicationControllers(SharedInformers informers, MeterRegistry meters) {
        return new ReplicaSetController(informers, ReplicaSource.replicationControllers(informers.client(),
                informers.replicationControllers()), "replicationcontroller", meters);
    }

    private ReplicaSetController(SharedInformers informers, ReplicaSource source, String name, MeterRegistry meters) {
        this.client = informers.client();
        this.source = source;
        this.podInformer = informers.pods();
        this.events = EventRecorder.builder(name + "-controller").logEachEvent().build(client);
        this.podControl = new PodControl(client, events, name + "-pod-create");
        this.controller = new Controller(name, this::sync, meters);
        source.informer().addEventHandler(controller.handler());
        podInformer.addEventHandler(new PodHandler());
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(source.informer(), podInformer), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        podControl.close();
        events.close();
    }

    /** Routes pod events to the owning ReplicaSet, or to every ReplicaSet that might adopt an orphan. */
    private final class PodHandler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                onDelete(pod, false);
                return;
            }
            Optional<OwnerReference> ref = Pods.controllerOf(pod);
            if (ref.isPresent()) {
                String key = ownerKey(pod, ref.get());
                if (key != null) {
                    expectations.creationObserved(key);
                    controller.enqueue(key);
                }
                return;
            }
            enqueueMatching(pod);
        }

        @Override
        public void onUpdate(Pod oldPod, Pod pod) {
            if (pod.getMetadata().getDeletionTimestamp() != null && oldPod.getMetadata().getDeletionTimestamp() == null) {
                Pods.controllerOf(pod).map(r -> ownerKey(pod, r)).ifPresent(key ->
                        expectations.deletionObserved(key, pod.getMetadata().getUid()));
            }
            Optional<OwnerReference> oldRef = Pods.controllerOf(oldPod);
            Optional<OwnerReference> newRef = Pods.controllerOf(pod);
            if (oldRef.isPresent() && !oldRef.equals(newRef)) {
                enqueueOwner(oldPod, oldRef.get());
            }
            if (newRef.isPresent()) {
                enqueueOwner(pod, newRef.get());
            } else if (!Objects.equals(oldPod.getMetadata().getLabels(), pod.getMetadata().getLabels())
                    || oldRef.isPresent()) {
                enqueueMatching(pod);
            }
        }

        @Override
        public void onDelete(Pod pod, boolean finalStateUnknown) {
            Pods.controllerOf(pod).ifPresent(ref -> {
                String key = ownerKey(pod, ref);
                if (key != null) {
                    expectations.deletionObserved(key, pod.getMetadata().getUid());
                    controller.enqueue(key);
                }
            });
        }

        private void enqueueOwner(Pod pod, OwnerReference ref) {
            String key = ownerKey(pod, ref);
            if (key != null) {
                controller.enqueue(key);
            }
        }

        private void enqueueMatching(Pod pod) {
            for (ReplicaSet rs : source.inNamespace(pod.getMetadata().getNamespace())) {
                if (LabelSelector.forController(rs.getSpec().getSelector()).matches(pod.getMetadata().getLabels())) {
                    controller.enqueue(rs);
                }
            }
        }
    }

    /** The key of the ReplicaSet {@code ref} names, if it is one we know with that UID. */
    private String ownerKey(Pod pod, OwnerReference ref) {
        if (!source.kind().equals(ref.getKind())) {
            return null;
        }
        String key = Cache.namespaceKeyFunc(pod.getMetadata().getNamespace(), ref.getName());
        ReplicaSet rs = source.get(key);
        if (rs == null || !rs.getMetadata().getUid().equals(ref.getUid())) {
            return null;
        }
        return key;
    }

    void sync(String key) throws Exception {
        ReplicaSet rs = source.get(key);
        if (rs == null) {
            expectations.forget(key);
            return;
        }
        boolean needsSync = expectations.satisfied(key);
        List<Pod> claimed = claimPods(rs);
        List<Pod> active = claimed.stream().filter(Pods::isActive).collect(Collectors.toList());

        Exception manageError = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            try {
                manageReplicas(key, rs, active);
            } catch (Exception e) {
                manageError = e;
            }
        }
        ReplicaSetStatus status = calculateStatus(rs, active, manageError);
        updateStatus(rs, status);
        int minReady = minReadySeconds(rs);
        if (manageError == null && minReady > 0 && status.getReadyReplicas() > status.getAvailableReplicas()) {
            controller.enqueueAfter(key, Duration.ofSeconds(minReady));
        }
        if (manageError != null) {
            throw manageError;
        }
    }

    /** The pods this ReplicaSet owns after adopting matching orphans and releasing owned pods that no longer match. */
    private List<Pod> claimPods(ReplicaSet rs) {
        ControllerRefManager<Pod> refs = ControllerRefManager.forSelector(client, rs, rs.getSpec().getSelector(),
                () -> source.live(rs));
        return refs.claim(podInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, rs.getMetadata().getNamespace()));
    }

    private void manageReplicas(String key, ReplicaSet rs, List<Pod> active) throws Exception {
        int desired = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
        int diff = active.size() - desired;
        if (diff < 0) {
            int toCreate = Math.min(-diff, BURST_REPLICAS);
            podControl.createInBatches(key, expectations, rs, toCreate, i -> podFor(rs));
        } else if (diff > 0) {
            List<Pod> victims = PodDeletionRanking.podsToDelete(active, Math.min(diff, BURST_REPLICAS));
            podControl.delete(key, expectations, rs, victims);
        }
    }

    static Pod podFor(ReplicaSet rs) {
        return PodControl.fromTemplate(rs.getSpec().getTemplate(), rs);
    }

    private static int minReadySeconds(ReplicaSet rs) {
        return rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    }

    static ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> active, Exception manageError) {
        Map<String, String> templateLabels = rs.getSpec().getTemplate() == null
                || rs.getSpec().getTemplate().getMetadata() == null
                || rs.getSpec().getTemplate().getMetadata().getLabels() == null
                ? Map.of() : rs.getSpec().getTemplate().getMetadata().getLabels();
        Instant now = Instant.now();
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        for (Pod pod : active) {
            Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
            if (labels.entrySet().containsAll(templateLabels.entrySet())) {
                fullyLabeled++;
            }
            if (Pods.isReady(pod)) {
                ready++;
                if (Pods.isAvailable(pod, minReadySeconds(rs), now)) {
                    available++;
                }
            }
        }
        ReplicaSetStatus status = new ReplicaSetStatus();
        status.setReplicas(active.size());
        status.setFullyLabeledReplicas(fullyLabeled);
        status.setReadyReplicas(ready);
        status.setAvailableReplicas(available);
        status.setObservedGeneration(rs.getMetadata().getGeneration());
        List<ReplicaSetCondition> conditions = rs.getStatus() == null || rs.getStatus().getConditions() == null
                ? new ArrayList<>() : new ArrayList<>(rs.getStatus().getConditions());
        int desired = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
        boolean failedCreate = manageError != null && active.size() < desired;
        boolean hasFailure = conditions.stream().anyMatch(c -> "ReplicaFailure".equals(c.getType()));
        if (failedCreate && !hasFailure) {
            ReplicaSetCondition c = new ReplicaSetCondition();
            c.setType("ReplicaFailure");
            c.setStatus("True");
            c.setReason("FailedCreate");
            c.setMessage(ApiErrors.message(manageError));
            c.setLastTransitionTime(Times.now());
            conditions.add(c);
        } else if (manageError == null && hasFailure) {
            conditions.removeIf(c -> "ReplicaFailure".equals(c.getType()));
        }
        status.setConditions(conditions);
        return status;
    }

    private void updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
        ReplicaSetStatus old = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        if (Semantic.equal(old, status)) {
            return;
        }
        source.updateStatus(rs, status);
    }

}
