package dev.keelson.controllermanager.daemon;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.ControllerHistory;
import dev.keelson.controllermanager.common.ControllerRefManager;
import dev.keelson.controllermanager.common.Expectations;
import dev.keelson.controllermanager.common.PodControl;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.history.TemplateRevisions;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Kubernetes' daemonset controller: one pod on every node the DaemonSet's template fits (node selector, required node
 * affinity, taints against the template's tolerations plus the daemon tolerations), each created unscheduled with a
 * {@code metadata.name} node affinity for the scheduler to bind; pods on nodes that no longer fit are deleted (a
 * tolerated NoExecute taint lets a running pod stay). Each template is snapshotted as a ControllerRevision whose hash
 * labels the pods; RollingUpdate replaces old pods within maxUnavailable (or surges up to maxSurge), OnDelete only
 * replaces pods the user deleted. Status carries the counts {@code kubectl get ds} and {@code rollout status} read.
 */
public final class DaemonSetController implements AutoCloseable {
    /** Kubernetes' BurstReplicas for DaemonSets. */
    static final int BURST_REPLICAS = 250;

    private final KubernetesClient client;
    private final SharedIndexInformer<DaemonSet> dsInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<Node> nodeInformer;
    private final SharedIndexInformer<ControllerRevision> revisionInformer;
    private final Expectations expectations = new Expectations();
    private final EventRecorder events;
    private final PodControl podControl;
    private final ControllerHistory history;
    private final Controller controller;

    public DaemonSetController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.dsInformer = informers.namespaced(DaemonSet.class);
        this.podInformer = informers.pods();
        this.nodeInformer = informers.nodes();
        this.revisionInformer = informers.controllerRevisions();
        this.events = EventRecorder.builder("daemonset-controller").logEachEvent().build(client);
        this.podControl = new PodControl(client, events, "daemonset-pod-create");
        this.history = new ControllerHistory(client);
        this.controller = new Controller("daemonset", this::sync, meters);
        dsInformer.addEventHandler(controller.handler());
        podInformer.addEventHandler(new PodHandler());
        nodeInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                enqueueAll();
            }

            @Override
            public void onUpdate(Node old, Node node) {
                if (!Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())
                        || !Objects.equals(old.getSpec(), node.getSpec())) {
                    enqueueAll();
                }
            }

            @Override
            public void onDelete(Node node, boolean unknown) {
                enqueueAll();
            }
        });
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(dsInformer, podInformer, nodeInformer, revisionInformer), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        podControl.close();
        events.close();
    }

    private void enqueueAll() {
        dsInformer.getStore().list().forEach(controller::enqueue);
    }

    /** Pod events go to the owning DaemonSet (observing expectations), orphans to every DaemonSet selecting them. */
    private final class PodHandler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            String key = ownerKey(pod);
            if (key != null) {
                expectations.creationObserved(key);
                controller.enqueue(key);
            } else if (Pods.controllerOf(pod).isEmpty()) {
                enqueueSelecting(pod);
            }
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            String key = ownerKey(pod);
            if (pod.getMetadata().getDeletionTimestamp() != null && old.getMetadata().getDeletionTimestamp() == null
                    && key != null) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
            }
            String oldKey = ownerKey(old);
            if (oldKey != null && !oldKey.equals(key)) {
                controller.enqueue(oldKey);
            }
            if (key != null) {
                controller.enqueue(key);
            } else if (Pods.controllerOf(pod).isEmpty()) {
                enqueueSelecting(pod);
            }
        }

        @Override
        public void onDelete(Pod pod, boolean unknown) {
            String key = ownerKey(pod);
            if (key != null) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                controller.enqueue(key);
            }
        }

        private void enqueueSelecting(Pod pod) {
            for (DaemonSet ds : dsInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE,
                    pod.getMetadata().getNamespace())) {
                if (LabelSelector.forController(ds.getSpec().getSelector()).matches(pod.getMetadata().getLabels())) {
                    controller.enqueue(ds);
                }
            }
        }
    }

    private String ownerKey(Pod pod) {
        OwnerReference ref = Pods.controllerOf(pod).orElse(null);
        if (ref == null || !"DaemonSet".equals(ref.getKind())) {
            return null;
        }
        String key = Cache.namespaceKeyFunc(pod.getMetadata().getNamespace(), ref.getName());
        DaemonSet ds = dsInformer.getStore().getByKey(key);
        return ds != null && ds.getMetadata().getUid().equals(ref.getUid()) ? key : null;
    }

    void sync(String key) throws Exception {
        DaemonSet ds = dsInformer.getStore().getByKey(key);
        if (ds == null) {
            expectations.forget(key);
            return;
        }
        List<Node> nodes = nodeInformer.getStore().list();
        Map<String, List<Pod>> byNode = podsByNode(ds);
        if (ds.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        int[] collisionCount = {ds.getStatus() == null || ds.getStatus().getCollisionCount() == null ? 0
                : ds.getStatus().getCollisionCount()};
        TemplateRevisions.History revisions = TemplateRevisions.construct(client, history, ds,
                ds.getSpec().getSelector(), ds.getSpec().getTemplate(), revisionInformer, collisionCount);
        Map<String, String> revisionLabels = revisions.current().getMetadata().getLabels();
        String hash = revisionLabels != null && revisionLabels.containsKey(ControllerHistory.HASH_LABEL)
                ? revisionLabels.get(ControllerHistory.HASH_LABEL) : revisions.current().getMetadata().getName();
        Exception failure = null;
        if (expectations.satisfied(key)) {
            try {
                manage(key, ds, nodes, byNode, hash);
                if (expectations.satisfied(key) && isRollingUpdate(ds)) {
                    rollingUpdate(key, ds, nodes, podsByNode(ds), hash);
                }
                cleanupHistory(ds, revisions, podsByNode(ds));
            } catch (Exception e) {
                failure = e;
            }
        }
        updateStatus(ds, nodes, podsByNode(ds), hash, collisionCount[0]);
        if (failure != null) {
            throw failure;
        }
    }

    private static boolean isRollingUpdate(DaemonSet ds) {
        return ds.getSpec().getUpdateStrategy() != null
                && "RollingUpdate".equals(ds.getSpec().getUpdateStrategy().getType());
    }

    /** getNodesToDaemonPods: the claimed pods by the node they are on or are bound for. */
    private Map<String, List<Pod>> podsByNode(DaemonSet ds) {
        ControllerRefManager<Pod> refs = ControllerRefManager.forSelector(client, ds, ds.getSpec().getSelector(),
                ControllerRefManager.liveRead(client, ds));
        List<Pod> claimed = refs.claim(podInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE,
                ds.getMetadata().getNamespace()));
        Map<String, List<Pod>> out = new HashMap<>();
        for (Pod pod : claimed) {
            String node = DaemonPods.targetNode(pod);
            if (node != null) {
                out.computeIfAbsent(node, n -> new ArrayList<>()).add(pod);
            }
        }
        out.values().forEach(l -> l.sort(OLDEST_FIRST));
        return out;
    }

    /** podByCreationTimestampAndPhase: scheduled before pending, then older first. */
    private static final Comparator<Pod> OLDEST_FIRST = Comparator
            .comparing((Pod p) -> p.getSpec().getNodeName() == null || p.getSpec().getNodeName().isEmpty())
            .thenComparing(p -> String.valueOf(p.getMetadata().getCreationTimestamp()))
            .thenComparing(p -> p.getMetadata().getName());

    // ---------------------------------------------------------------- history

    /** cleanupHistory: old revisions no pod runs, beyond revisionHistoryLimit, are deleted oldest first. */
    private void cleanupHistory(DaemonSet ds, TemplateRevisions.History revisions, Map<String, List<Pod>> byNode) {
        Set<String> liveHashes = new HashSet<>();
        byNode.values().forEach(l -> l.forEach(p -> {
            if (p.getMetadata().getLabels() != null && p.getMetadata().getLabels().get(ControllerHistory.HASH_LABEL) != null) {
                liveHashes.add(p.getMetadata().getLabels().get(ControllerHistory.HASH_LABEL));
            }
        }));
        Set<String> live = new HashSet<>();
        for (ControllerRevision r : revisions.old()) {
            String h = r.getMetadata().getLabels() == null ? null : r.getMetadata().getLabels().get(ControllerHistory.HASH_LABEL);
            if (h != null && liveHashes.contains(h)) {
                live.add(r.getMetadata().getName());
            }
        }
        TemplateRevisions.cleanup(history, revisions, live, ds.getSpec().getRevisionHistoryLimit());
    }

    // ---------------------------------------------------------------- manage

    /** manage: the pods each node is missing are created, the extra or misplaced ones deleted. */
    private void manage(String key, DaemonSet ds, List<Node> nodes, Map<String, List<Pod>> byNode, String hash) {
        List<String> toCreate = new ArrayList<>();
        List<Pod> toDelete = new ArrayList<>();
        Set<String> known = new HashSet<>();
        boolean surge = maxSurge(ds, 1) > 0;
        for (Node node : nodes) {
            String name = node.getMetadata().getName();
            known.add(name);
            DaemonPods.Decision d = DaemonPods.shouldRun(node, ds);
            List<Pod> pods = byNode.getOrDefault(name, List.of());
            if (d.shouldRun() && pods.isEmpty()) {
                toCreate.add(name);
            } else if (d.shouldRun()) {
                List<Pod> running = new ArrayList<>();
                for (Pod p : pods) {
                    if (p.getMetadata().getDeletionTimestamp() != null) {
                        continue;
                    }
                    String phase = Pods.phase(p);
                    if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
                        events.warning(ds, "FailedDaemonPod", "Found failed daemon pod " + p.getMetadata().getNamespace()
                                + "/" + p.getMetadata().getName() + " on node " + name + ", will try to kill it");
                        toDelete.add(p);
                        continue;
                    }
                    running.add(p);
                }
                if (running.size() > 1) {
                    toDelete.addAll(extraPods(ds, running, hash, surge));
                }
            } else if (!d.shouldContinueRunning()) {
                pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).forEach(toDelete::add);
            }
        }
        // pods bound for a node that no longer exists
        byNode.forEach((node, pods) -> {
            if (!known.contains(node)) {
                pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).forEach(toDelete::add);
            }
        });
        syncNodes(key, ds, toDelete, toCreate, hash);
    }

    /** More than one running pod on a node: keep the oldest (with surge: the oldest new, and an old one still needed). */
    private static List<Pod> extraPods(DaemonSet ds, List<Pod> running, String hash, boolean surge) {
        List<Pod> extra = new ArrayList<>();
        if (!surge) {
            extra.addAll(running.subList(1, running.size()));
            return extra;
        }
        String generation = DaemonPods.templateGeneration(ds);
        Pod oldestNew = null;
        Pod oldestOld = null;
        for (Pod p : running) {
            if (DaemonPods.isUpdated(p, hash, generation)) {
                if (oldestNew == null) {
                    oldestNew = p;
                    continue;
                }
            } else if (oldestOld == null) {
                oldestOld = p;
                continue;
            }
            extra.add(p);
        }
        if (oldestNew != null && oldestOld != null && (!Pods.isReady(oldestOld)
                || Pods.isAvailable(oldestNew, minReady(ds), Instant.now()))) {
            extra.add(oldestOld);
        }
        return extra;
    }

    /** syncNodes: deletes, then creates in slow-start batches, at most BURST_REPLICAS of each per sync. */
    private void syncNodes(String key, DaemonSet ds, List<Pod> toDelete, List<String> toCreate, String hash) {
        List<Pod> deletes = toDelete.size() > BURST_REPLICAS ? toDelete.subList(0, BURST_REPLICAS) : toDelete;
        List<String> creates = toCreate.size() > BURST_REPLICAS ? toCreate.subList(0, BURST_REPLICAS) : toCreate;
        if (!deletes.isEmpty()) {
            podControl.delete(key, expectations, ds, deletes);
        }
        if (!creates.isEmpty()) {
            podControl.createInBatches(key, expectations, ds, creates.size(),
                    i -> DaemonPods.newPod(ds, creates.get(i), hash));
        }
    }

    // ---------------------------------------------------------------- rolling update

    private static int minReady(DaemonSet ds) {
        return ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
    }

    private static int maxSurge(DaemonSet ds, int desired) {
        if (!isRollingUpdate(ds) || ds.getSpec().getUpdateStrategy().getRollingUpdate() == null) {
            return 0;
        }
        return scaled(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge(), Math.max(desired, 1));
    }

    /** GetScaledValueFromIntOrPercent, rounding up. */
    static int scaled(IntOrString v, int total) {
        if (v == null) {
            return 0;
        }
        if (v.getIntVal() != null) {
            return v.getIntVal();
        }
        String s = v.getStrVal() == null ? "0" : v.getStrVal();
        int percent = s.endsWith("%") ? Integer.parseInt(s.substring(0, s.length() - 1)) : Integer.parseInt(s);
        return (int) Math.ceil(percent * (double) total / 100.0);
    }

    /** rollingUpdate (update.go): old pods are replaced within maxUnavailable, or surged up to maxSurge. */
    private void rollingUpdate(String key, DaemonSet ds, List<Node> nodes, Map<String, List<Pod>> byNode, String hash) {
        Map<String, Node> nodeByName = new LinkedHashMap<>();
        nodes.forEach(n -> nodeByName.put(n.getMetadata().getName(), n));
        int desired = 0;
        for (Node n : nodes) {
            if (DaemonPods.shouldRun(n, ds).shouldRun()) {
                desired++;
            }
        }
        var ru = ds.getSpec().getUpdateStrategy().getRollingUpdate();
        int maxUnavailable = ru == null ? 1 : scaled(ru.getMaxUnavailable(), desired);
        int maxSurge = ru == null ? 0 : scaled(ru.getMaxSurge(), desired);
        if (maxUnavailable == 0 && maxSurge == 0) {
            maxUnavailable = 1;
        }
        String generation = DaemonPods.templateGeneration(ds);
        Instant now = Instant.now();
        int minReady = minReady(ds);
        List<Pod> oldToDelete = new ArrayList<>();
        if (maxSurge == 0) {
            int unavailable = 0;
            List<Pod> replaceable = new ArrayList<>();
            List<Pod> candidates = new ArrayList<>();
            for (List<Pod> pods : byNode.values()) {
                Pod[] pair = updatedAndOld(pods, hash, generation);
                if (pair == null) {
                    unavailable++;
                    continue;
                }
                Pod newPod = pair[0];
                Pod oldPod = pair[1];
                if ((oldPod == null) == (newPod == null)) {
                    unavailable++;
                } else if (newPod != null) {
                    if (!Pods.isAvailable(newPod, minReady, now)) {
                        unavailable++;
                    }
                } else if (!Pods.isAvailable(oldPod, minReady, now)) {
                    replaceable.add(oldPod);
                } else if (unavailable < maxUnavailable) {
                    candidates.add(oldPod);
                }
            }
            int remaining = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.size()));
            oldToDelete.addAll(replaceable);
            oldToDelete.addAll(candidates.subList(0, remaining));
            syncNodes(key, ds, oldToDelete, List.of(), hash);
            return;
        }
        List<String> allowedNew = new ArrayList<>();
        List<String> candidateNew = new ArrayList<>();
        List<Pod> shouldNotRun = new ArrayList<>();
        int surged = 0;
        int available = 0;
        for (Map.Entry<String, List<Pod>> e : byNode.entrySet()) {
            Pod[] pair = updatedAndOld(e.getValue(), hash, generation);
            if (pair == null) {
                surged++;
                continue;
            }
            Pod newPod = pair[0];
            Pod oldPod = pair[1];
            Pod counted = oldPod != null ? oldPod : newPod;
            if (counted != null && Pods.isAvailable(counted, minReady, now)) {
                available++;
            }
            Node node = nodeByName.get(e.getKey());
            boolean shouldRun = node != null && DaemonPods.shouldRun(node, ds).shouldRun();
            if (oldPod == null) {
                continue;
            }
            if (newPod == null) {
                if (!Pods.isAvailable(oldPod, minReady, now)) {
                    if (!shouldRun) {
                        oldToDelete.add(oldPod);
                    } else {
                        allowedNew.add(e.getKey());
                    }
                } else if (!shouldRun) {
                    shouldNotRun.add(oldPod);
                } else if (surged < maxSurge) {
                    candidateNew.add(e.getKey());
                }
            } else if (!Pods.isAvailable(newPod, minReady, now)) {
                surged++;
            } else {
                oldToDelete.add(oldPod);
            }
        }
        int deletable = Math.min(available - desired, shouldNotRun.size());
        if (deletable > 0) {
            oldToDelete.addAll(shouldNotRun.subList(0, deletable));
        }
        int remaining = Math.max(0, Math.min(maxSurge - surged, candidateNew.size()));
        List<String> create = new ArrayList<>(allowedNew);
        create.addAll(candidateNew.subList(0, remaining));
        syncNodes(key, ds, oldToDelete, create, hash);
    }

    /** findUpdatedPodsOnNode: {new, old} among the pods not being deleted; null if there are two of either. */
    private static Pod[] updatedAndOld(List<Pod> pods, String hash, String generation) {
        Pod newPod = null;
        Pod oldPod = null;
        for (Pod p : pods) {
            if (p.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (DaemonPods.isUpdated(p, hash, generation)) {
                if (newPod != null) {
                    return null;
                }
                newPod = p;
            } else {
                if (oldPod != null) {
                    return null;
                }
                oldPod = p;
            }
        }
        return new Pod[] {newPod, oldPod};
    }

    // ---------------------------------------------------------------- status

    private void updateStatus(DaemonSet ds, List<Node> nodes, Map<String, List<Pod>> byNode, String hash,
                              int collisionCount) {
        int desired = 0;
        int current = 0;
        int misscheduled = 0;
        int ready = 0;
        int available = 0;
        int updated = 0;
        Instant now = Instant.now();
        String generation = DaemonPods.templateGeneration(ds);
        boolean waitForAvailable = false;
        for (Node node : nodes) {
            List<Pod> pods = byNode.getOrDefault(node.getMetadata().getName(), List.of());
            boolean scheduled = !pods.isEmpty();
            if (!DaemonPods.shouldRun(node, ds).shouldRun()) {
                if (scheduled) {
                    misscheduled++;
                }
                continue;
            }
            desired++;
            if (!scheduled) {
                continue;
            }
            current++;
            Pod pod = pods.get(0);
            if (Pods.isReady(pod)) {
                ready++;
                if (Pods.isAvailable(pod, minReady(ds), now)) {
                    available++;
                } else {
                    waitForAvailable = true;
                }
            }
            if (DaemonPods.isUpdated(pod, hash, generation)) {
                updated++;
            }
        }
        DaemonSetStatus status = new DaemonSetStatus();
        status.setDesiredNumberScheduled(desired);
        status.setCurrentNumberScheduled(current);
        status.setNumberMisscheduled(misscheduled);
        status.setNumberReady(ready);
        status.setNumberAvailable(available);
        status.setNumberUnavailable(desired - available);
        status.setUpdatedNumberScheduled(updated);
        status.setObservedGeneration(ds.getMetadata().getGeneration());
        status.setCollisionCount(collisionCount == 0 && (ds.getStatus() == null
                || ds.getStatus().getCollisionCount() == null) ? null : collisionCount);
        status.setConditions(ds.getStatus() == null ? null : ds.getStatus().getConditions());
        DaemonSetStatus old = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
        if (!Semantic.equal(old, status)) {
            DaemonSet copy = client.getKubernetesSerialization().clone(ds);
            copy.setStatus(status);
            client.apps().daemonSets().inNamespace(ds.getMetadata().getNamespace()).resource(copy).updateStatus();
        }
        if (waitForAvailable && minReady(ds) > 0) {
            controller.enqueueAfter(Cache.metaNamespaceKeyFunc(ds), Duration.ofSeconds(minReady(ds)));
        }
    }
}
