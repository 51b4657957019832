package dev.keelson.controllermanager.statefulset;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.ControllerHistory;
import dev.keelson.controllermanager.common.ControllerRefManager;
import dev.keelson.controllermanager.common.PodControl;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.history.TemplateRevisions;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kubernetes' statefulset controller: pods named SET-0 ... SET-(N-1) (from {@code ordinals.start}) with stable
 * hostnames under the governing Service and one PersistentVolumeClaim per claim template and ordinal, kept across pod
 * deletion. OrderedReady creates in ordinal order, each after the previous is Running and Ready (and available for
 * minReadySeconds), and removes from the highest ordinal one at a time; Parallel does both at once. RollingUpdate
 * replaces pods from the highest ordinal down to {@code partition}, one unhealthy at a time; OnDelete only gives pods
 * the user deleted the new template. Claims get owner references as persistentVolumeClaimRetentionPolicy says
 * (WhenDeleted=Delete: the set; WhenScaled=Delete: the condemned pod), so the garbage collector deletes them.
 */
public final class StatefulSetController implements AutoCloseable {
    private final KubernetesClient client;
    private final SharedIndexInformer<StatefulSet> setInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<ControllerRevision> revisionInformer;
    private final SharedIndexInformer<PersistentVolumeClaim> claimInformer;
    private final EventRecorder events;
    private final PodControl podControl;
    private final ControllerHistory history;
    private final Controller controller;

    public StatefulSetController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.setInformer = informers.namespaced(StatefulSet.class);
        this.podInformer = informers.pods();
        this.revisionInformer = informers.controllerRevisions();
        this.claimInformer = informers.namespaced(PersistentVolumeClaim.class);
        this.events = EventRecorder.builder("statefulset-controller").logEachEvent().build(client);
        this.podControl = new PodControl(client, events, "statefulset-pod-create");
        this.history = new ControllerHistory(client);
        this.controller = new Controller("statefulset", this::sync, meters);
        setInformer.addEventHandler(controller.handler());
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueFor(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                enqueueFor(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                enqueueFor(pod);
            }
        });
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(setInformer, podInformer, revisionInformer, claimInformer),
                Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        podControl.close();
        events.close();
    }

    private void enqueueFor(Pod pod) {
        OwnerReference ref = Pods.controllerOf(pod).orElse(null);
        if (ref != null) {
            if ("StatefulSet".equals(ref.getKind())) {
                controller.enqueue(Cache.namespaceKeyFunc(pod.getMetadata().getNamespace(), ref.getName()));
            }
            return;
        }
        for (StatefulSet set : setInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE,
                pod.getMetadata().getNamespace())) {
            if (LabelSelector.forController(set.getSpec().getSelector()).matches(pod.getMetadata().getLabels())) {
                controller.enqueue(set);
            }
        }
    }

    void sync(String key) {
        StatefulSet set = setInformer.getStore().getByKey(key);
        if (set == null || set.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        ControllerRefManager<Pod> refs = ControllerRefManager.forSelector(client, set, set.getSpec().getSelector(),
                ControllerRefManager.liveRead(client, set));
        List<Pod> pods = refs.claim(podInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE,
                set.getMetadata().getNamespace()));
        int[] collisionCount = {set.getStatus() == null || set.getStatus().getCollisionCount() == null ? 0
                : set.getStatus().getCollisionCount()};
        TemplateRevisions.History revisions = TemplateRevisions.construct(client, history, set,
                set.getSpec().getSelector(), set.getSpec().getTemplate(), revisionInformer, collisionCount);
        ControllerRevision update = revisions.current();
        ControllerRevision current = update;
        String currentName = set.getStatus() == null ? null : set.getStatus().getCurrentRevision();
        for (ControllerRevision r : revisions.all()) {
            if (r.getMetadata().getName().equals(currentName)) {
                current = r;
            }
        }
        StatefulSetStatus status = updateReplicas(set, pods, current, update);
        status.setCollisionCount(collisionCount[0] == 0 && (set.getStatus() == null
                || set.getStatus().getCollisionCount() == null) ? null : collisionCount[0]);
        writeStatus(set, status);
        Set<String> live = new HashSet<>();
        pods.forEach(p -> live.add(revisionOf(p)));
        live.add(status.getCurrentRevision());
        live.add(status.getUpdateRevision());
        TemplateRevisions.cleanup(history, revisions, live, set.getSpec().getRevisionHistoryLimit());
    }

    private static String revisionOf(Pod pod) {
        return pod.getMetadata().getLabels() == null ? "" : String.valueOf(pod.getMetadata().getLabels()
                .get(ControllerHistory.HASH_LABEL));
    }

    private static int start(StatefulSet set) {
        return set.getSpec().getOrdinals() == null || set.getSpec().getOrdinals().getStart() == null ? 0
                : set.getSpec().getOrdinals().getStart();
    }

    private static int minReady(StatefulSet set) {
        return set.getSpec().getMinReadySeconds() == null ? 0 : set.getSpec().getMinReadySeconds();
    }

    private static boolean isRollingUpdate(StatefulSet set) {
        return set.getSpec().getUpdateStrategy() == null || set.getSpec().getUpdateStrategy().getType() == null
                || "RollingUpdate".equals(set.getSpec().getUpdateStrategy().getType());
    }

    private static int partition(StatefulSet set) {
        var ru = set.getSpec().getUpdateStrategy() == null ? null : set.getSpec().getUpdateStrategy().getRollingUpdate();
        return ru == null || ru.getPartition() == null ? 0 : ru.getPartition();
    }

    private static boolean runningAndReady(Pod p) {
        return "Running".equals(Pods.phase(p)) && Pods.isReady(p);
    }

    private static boolean terminating(Pod p) {
        return p.getMetadata().getDeletionTimestamp() != null;
    }

    private static boolean failed(Pod p) {
        String phase = Pods.phase(p);
        return "Failed".equals(phase) || "Succeeded".equals(phase);
    }

    /**
     * updateStatefulSet: creates, deletes and updates pods in the order the policy asks, then computes the status. The
     * template of a new pod is the update revision's, or the current revision's below the partition.
     */
    private StatefulSetStatus updateReplicas(StatefulSet set, List<Pod> pods, ControllerRevision current,
                                             ControllerRevision update) {
        int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
        int start = start(set);
        boolean monotonic = !"Parallel".equals(set.getSpec().getPodManagementPolicy());
        TreeMap<Integer, Pod> slots = new TreeMap<>();
        List<Pod> condemned = new ArrayList<>();
        for (Pod p : pods) {
            int ord = StatefulPods.ordinal(p, set);
            if (ord < 0) {
                continue;
            }
            if (ord >= start && ord < start + replicas) {
                slots.put(ord, p);
            } else {
                condemned.add(p);
            }
        }
        condemned.sort((a, b) -> Integer.compare(StatefulPods.ordinal(b, set), StatefulPods.ordinal(a, set)));
        PodTemplateSpec currentTemplate = TemplateRevisions.templateOf(current);
        PodTemplateSpec updateTemplate = TemplateRevisions.templateOf(update);
        String currentName = current.getMetadata().getName();
        String updateName = update.getMetadata().getName();
        Instant now = Instant.now();
        boolean blocked = false;
        Duration requeue = null;
        for (int ord = start; ord < start + replicas && !blocked; ord++) {
            Pod pod = slots.get(ord);
            if (pod != null && failed(pod) && !terminating(pod)) {
                events.warning(set, "RecreatingFailedPod", "StatefulSet " + set.getMetadata().getNamespace() + "/"
                        + set.getMetadata().getName() + " is recreating failed Pod " + pod.getMetadata().getName());
                podControl.deleteOne(set, pod);
                slots.remove(ord);
                if (monotonic) {
                    blocked = true;
                }
                continue;
            }
            if (pod == null) {
                boolean old = isRollingUpdate(set) && ord < start + partition(set);
                Pod fresh = StatefulPods.newPod(set, old ? currentTemplate : updateTemplate, old ? currentName
                        : updateName, ord);
                ensureClaims(set, ord);
                try {
                    slots.put(ord, podControl.create(set, fresh));
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                }
                if (monotonic) {
                    blocked = true;
                }
                continue;
            }
            if (monotonic && (terminating(pod) || !runningAndReady(pod))) {
                blocked = true;
                continue;
            }
            if (monotonic && !Pods.isAvailable(pod, minReady(set), now)) {
                requeue = Duration.ofSeconds(minReady(set));
                blocked = true;
            }
        }
        if (!blocked) {
            boolean allHealthy = slots.values().stream().allMatch(p -> runningAndReady(p) && !terminating(p));
            for (Pod pod : condemned) {
                if (terminating(pod)) {
                    if (monotonic) {
                        blocked = true;
                        break;
                    }
                    continue;
                }
                if (monotonic && !allHealthy && runningAndReady(pod)) {
                    blocked = true;
                    break;
                }
                retainClaims(set, pod, true);
                podControl.deleteOne(set, pod);
                if (monotonic) {
                    blocked = true;
                    break;
                }
            }
        }
        if (!blocked && isRollingUpdate(set)) {
            int floor = start + partition(set);
            for (int ord = start + replicas - 1; ord >= floor; ord--) {
                Pod pod = slots.get(ord);
                if (pod == null) {
                    break;
                }
                if (!updateName.equals(revisionOf(pod)) && !terminating(pod)) {
                    events.normal(set, "SuccessfulDelete", "delete Pod " + pod.getMetadata().getName()
                            + " in StatefulSet " + set.getMetadata().getName() + " successful");
                    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                            .delete();
                    break;
                }
                if (!runningAndReady(pod) || terminating(pod)) {
                    break;
                }
            }
        }
        if (requeue != null) {
            controller.enqueueAfter(Cache.metaNamespaceKeyFunc(set), requeue);
        }
        return computeStatus(set, slots, condemned, currentName, updateName, now);
    }

    /** createPersistentVolumeClaims: each missing claim of the ordinal, owned as the retention policy says. */
    private void ensureClaims(StatefulSet set, int ordinal) {
        for (PersistentVolumeClaim claim : StatefulPods.claims(set, ordinal)) {
            String key = Cache.namespaceKeyFunc(set.getMetadata().getNamespace(), claim.getMetadata().getName());
            if (claimInformer.getStore().getByKey(key) != null) {
                continue;
            }
            if ("Delete".equals(policy(set, true))) {
                claim.getMetadata().setOwnerReferences(List.of(ownerRef(set)));
            }
            try {
                client.persistentVolumeClaims().inNamespace(set.getMetadata().getNamespace()).resource(claim).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    events.warning(set, "FailedCreate", "create Claim " + claim.getMetadata().getName()
                            + " for Pod " + StatefulPods.podName(set, ordinal) + " in StatefulSet "
                            + set.getMetadata().getName() + " failed error: " + e.getMessage());
                    throw e;
                }
            }
        }
    }

    /** WhenScaled=Delete: a condemned pod's claims get the pod as their only owner, so they go with it. */
    private void retainClaims(StatefulSet set, Pod pod, boolean scaledDown) {
        if (!scaledDown || !"Delete".equals(policy(set, false))) {
            return;
        }
        int ordinal = StatefulPods.ordinal(pod, set);
        for (PersistentVolumeClaim wanted : StatefulPods.claims(set, ordinal)) {
            PersistentVolumeClaim claim = claimInformer.getStore().getByKey(Cache.namespaceKeyFunc(
                    set.getMetadata().getNamespace(), wanted.getMetadata().getName()));
            if (claim == null) {
                continue;
            }
            List<OwnerReference> owners = claim.getMetadata().getOwnerReferences() == null ? new ArrayList<>()
                    : new ArrayList<>(claim.getMetadata().getOwnerReferences());
            // updateClaimOwnerRefForSetAndPod: a scaled-down claim is owned by its pod alone
            boolean changed = owners.removeIf(r -> set.getMetadata().getUid().equals(r.getUid()));
            if (owners.stream().noneMatch(r -> pod.getMetadata().getUid().equals(r.getUid()))) {
                owners.add(ownerRef(pod));
                changed = true;
            }
            if (!changed) {
                continue;
            }
            PersistentVolumeClaim copy = client.getKubernetesSerialization().clone(claim);
            copy.getMetadata().setOwnerReferences(owners);
            client.persistentVolumeClaims().inNamespace(claim.getMetadata().getNamespace()).resource(copy).update();
        }
    }

    private static String policy(StatefulSet set, boolean whenDeleted) {
        var p = set.getSpec().getPersistentVolumeClaimRetentionPolicy();
        if (p == null) {
            return "Retain";
        }
        String v = whenDeleted ? p.getWhenDeleted() : p.getWhenScaled();
        return v == null ? "Retain" : v;
    }

    /** setOwnerRef: a plain (not controller) owner reference. */
    private static OwnerReference ownerRef(HasMetadata owner) {
        OwnerReference ref = new OwnerReference();
        ref.setApiVersion(owner.getApiVersion() == null ? "v1" : owner.getApiVersion());
        ref.setKind(owner.getKind() == null ? "Pod" : owner.getKind());
        ref.setName(owner.getMetadata().getName());
        ref.setUid(owner.getMetadata().getUid());
        return ref;
    }

    private StatefulSetStatus computeStatus(StatefulSet set, Map<Integer, Pod> slots, List<Pod> condemned,
                                            String currentName, String updateName, Instant now) {
        int count = 0;
        int ready = 0;
        int available = 0;
        int currentReplicas = 0;
        int updated = 0;
        List<Pod> all = new ArrayList<>(slots.values());
        all.addAll(condemned);
        for (Pod p : all) {
            count++;
            if (runningAndReady(p) && !terminating(p)) {
                ready++;
                if (Pods.isAvailable(p, minReady(set), now)) {
                    available++;
                }
            }
            if (terminating(p)) {
                continue;
            }
            if (currentName.equals(revisionOf(p))) {
                currentReplicas++;
            }
            if (updateName.equals(revisionOf(p))) {
                updated++;
            }
        }
        StatefulSetStatus status = new StatefulSetStatus();
        status.setObservedGeneration(set.getMetadata().getGeneration());
        status.setReplicas(count);
        status.setReadyReplicas(ready);
        status.setAvailableReplicas(available);
        status.setCurrentReplicas(currentReplicas);
        status.setUpdatedReplicas(updated);
        status.setCurrentRevision(currentName);
        status.setUpdateRevision(updateName);
        int replicas = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
        // completeRollingUpdate: once every pod runs the update revision, it becomes the current one
        if (isRollingUpdate(set) && updated == count && ready == count) {
            status.setCurrentRevision(updateName);
            status.setCurrentReplicas(updated);
        }
        status.setConditions(set.getStatus() == null ? null : set.getStatus().getConditions());
        return status;
    }

    private void writeStatus(StatefulSet set, StatefulSetStatus status) {
        StatefulSetStatus old = set.getStatus() == null ? new StatefulSetStatus() : set.getStatus();
        if (Semantic.equal(old, status)) {
            return;
        }
        StatefulSet copy = client.getKubernetesSerialization().clone(set);
        copy.setStatus(status);
        client.apps().statefulSets().inNamespace(set.getMetadata().getNamespace()).resource(copy).updateStatus();
    }
}
