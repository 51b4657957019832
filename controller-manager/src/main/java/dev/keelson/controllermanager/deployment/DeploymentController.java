package dev.keelson.controllermanager.deployment;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.ApiErrors;
import dev.keelson.controllermanager.common.ControllerRefManager;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls Deployments out through ReplicaSets named {@code <deployment>-<pod-template-hash>}: creates the new
 * ReplicaSet for a changed template (or reuses the old one on rollback, raising its revision), scales new up and
 * old down within maxSurge/maxUnavailable (RollingUpdate) or all old down first (Recreate), spreads a scale
 * proportionally across ReplicaSets mid-rollout, keeps revisionHistoryLimit old ReplicaSets and reports
 * status and the Progressing/Available conditions.
 */
public final class DeploymentController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeploymentController.class);

    static final String PROGRESSING = "Progressing";
    static final String AVAILABLE = "Available";
    static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";
    static final String RS_UPDATED = "ReplicaSetUpdated";
    static final String TIMED_OUT = "ProgressDeadlineExceeded";
    static final String PAUSED = "DeploymentPaused";
    static final String RESUMED = "DeploymentResumed";
    static final String REPLICA_FAILURE = "ReplicaFailure";

    private final KubernetesClient client;
    private final SharedIndexInformer<Deployment> dInformer;
    private final SharedIndexInformer<ReplicaSet> rsInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final EventRecorder events;
    private final Controller controller;
    /**
     * ReplicaSets this controller wrote, by UID, so later steps of a sync (and the next sync) see their new size
     * even before the informer delivers the update; dropped once the cache has caught up.
     */
    private final Map<String, ReplicaSet> latest = new ConcurrentHashMap<>();

    public DeploymentController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.dInformer = informers.deployments();
        this.rsInformer = informers.replicaSets();
        this.podInformer = informers.pods();
        this.events = EventRecorder.builder("deployment-controller").logEachEvent().build(client);
        this.controller = new Controller("deployment", this::sync, meters);
        dInformer.addEventHandler(controller.handler());
        rsInformer.addEventHandler(controller.handler(this::deploymentKeyForReplicaSet));
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                enqueueForDeletedPod(pod);
            }
        });
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(dInformer, rsInformer, podInformer), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        events.close();
    }

    /** The owning Deployment of a ReplicaSet, or for an orphan the first Deployment that would adopt it. */
    private String deploymentKeyForReplicaSet(ReplicaSet rs) {
        String ns = rs.getMetadata().getNamespace();
        Optional<OwnerReference> ref = Pods.controllerOf(rs);
        if (ref.isPresent()) {
            if (!"Deployment".equals(ref.get().getKind())) {
                return null;
            }
            return Cache.namespaceKeyFunc(ns, ref.get().getName());
        }
        for (Deployment d : dInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, ns)) {
            if (LabelSelector.forController(d.getSpec().getSelector()).matches(rs.getMetadata().getLabels())) {
                return Cache.metaNamespaceKeyFunc(d);
            }
        }
        return null;
    }

    /** Recreate waits for old pods to be gone, so a pod deletion may unblock it. */
    private void enqueueForDeletedPod(Pod pod) {
        Pods.controllerOf(pod).filter(r -> "ReplicaSet".equals(r.getKind())).ifPresent(ref -> {
            ReplicaSet rs = rsInformer.getStore().getByKey(
                    Cache.namespaceKeyFunc(pod.getMetadata().getNamespace(), ref.getName()));
            if (rs != null) {
                String key = deploymentKeyForReplicaSet(rs);
                if (key != null) {
                    Deployment d = dInformer.getStore().getByKey(key);
                    if (d != null && !RolloutMath.isRollingUpdate(d)) {
                        controller.enqueue(key);
                    }
                }
            }
        });
    }

    void sync(String key) throws Exception {
        Deployment cached = dInformer.getStore().getByKey(key);
        if (cached == null) {
            return;
        }
        Deployment d = client.getKubernetesSerialization().clone(cached);
        if (LabelSelector.forController(d.getSpec().getSelector()).isNothing()) {
            events.warning(d, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            if (!Objects.equals(d.getMetadata().getGeneration(), status(d).getObservedGeneration())) {
                DeploymentStatus s = copyStatus(d);
                s.setObservedGeneration(d.getMetadata().getGeneration());
                writeStatus(d, s);
            }
            return;
        }
        // Decisions must rest on the sizes this controller last wrote, not on a cache that may not have them yet.
        List<ReplicaSet> rsList = current(claimReplicaSets(d));
        if (d.getMetadata().getDeletionTimestamp() != null) {
            syncStatusOnly(d, rsList);
            return;
        }
        if (checkPausedConditions(d)) {
            return;
        }
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            syncScaleOnly(d, rsList);
            return;
        }
        if (isScalingEvent(d, rsList)) {
            syncScaleOnly(d, rsList);
            return;
        }
        if (RolloutMath.isRollingUpdate(d)) {
            rolloutRolling(d, rsList);
        } else {
            rolloutRecreate(d, rsList);
        }
    }

    // ---- ownership ----

    private List<ReplicaSet> claimReplicaSets(Deployment d) {
        ControllerRefManager<ReplicaSet> refs = ControllerRefManager.forSelector(client, d, d.getSpec().getSelector(),
                () -> client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                        .withName(d.getMetadata().getName()).get());
        return refs.claim(rsInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, d.getMetadata().getNamespace()));
    }

    // ---- finding the new and old ReplicaSets ----

    private record Sets(ReplicaSet newRS, List<ReplicaSet> oldRSs) {
        List<ReplicaSet> all() {
            List<ReplicaSet> all = new ArrayList<>(oldRSs);
            if (newRS != null) {
                all.add(newRS);
            }
            return all;
        }
    }

    private static final Comparator<ReplicaSet> BY_CREATION = Comparator
            .comparing((ReplicaSet rs) -> Objects.requireNonNullElse(rs.getMetadata().getCreationTimestamp(), ""))
            .thenComparing(rs -> rs.getMetadata().getName());

    static ReplicaSet findNewReplicaSet(Deployment d, List<ReplicaSet> rsList) {
        return rsList.stream().sorted(BY_CREATION)
                .filter(rs -> PodTemplateHash.equalIgnoringHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
                .findFirst().orElse(null);
    }

    private Sets getAllReplicaSetsAndSyncRevision(Deployment d, List<ReplicaSet> rsList, boolean createIfMissing) {
        ReplicaSet existing = findNewReplicaSet(d, rsList);
        List<ReplicaSet> old = rsList.stream().filter(rs -> rs != existing).collect(Collectors.toList());
        ReplicaSet newRS = getNewReplicaSet(d, rsList, existing, old, createIfMissing);
        return new Sets(newRS, old);
    }

    private ReplicaSet getNewReplicaSet(Deployment d, List<ReplicaSet> rsList, ReplicaSet existing,
                                        List<ReplicaSet> old, boolean createIfMissing) {
        long maxOldRevision = old.stream().mapToLong(Revisions::revision).max().orElse(0);
        long newRevision = maxOldRevision + 1;
        if (existing != null) {
            ReplicaSet copy = client.getKubernetesSerialization().clone(existing);
            boolean annotationsChanged = Revisions.setNewReplicaSetAnnotations(d, copy, newRevision, true);
            boolean minReadyChanged = !Objects.equals(minReadySeconds(d), copy.getSpec().getMinReadySeconds() == null
                    ? 0 : copy.getSpec().getMinReadySeconds());
            if (annotationsChanged || minReadyChanged) {
                copy.getSpec().setMinReadySeconds(minReadySeconds(d));
                copy = client.apps().replicaSets().inNamespace(copy.getMetadata().getNamespace()).resource(copy).update();
            }
            String revision = copy.getMetadata().getAnnotations().get(Revisions.REVISION);
            boolean needsUpdate = setDeploymentRevision(d, revision);
            if (condition(d, PROGRESSING) == null && hasProgressDeadline(d)) {
                setCondition(status(d), PROGRESSING, "True", "FoundNewReplicaSet",
                        "Found new replica set \"" + copy.getMetadata().getName() + "\"");
                needsUpdate = true;
            }
            if (needsUpdate) {
                // observedGeneration is left alone: these counts still describe the previous generation.
                writeStatus(d, status(d));
            }
            return copy;
        }
        if (!createIfMissing) {
            return null;
        }
        Integer collisionCount = status(d).getCollisionCount();
        String hash = PodTemplateHash.compute(d.getSpec().getTemplate(), collisionCount);
        PodTemplateSpec template = client.getKubernetesSerialization().clone(d.getSpec().getTemplate());
        if (template.getMetadata() == null) {
            template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        Map<String, String> templateLabels = template.getMetadata().getLabels() == null
                ? new HashMap<>() : new HashMap<>(template.getMetadata().getLabels());
        templateLabels.put(PodTemplateHash.LABEL, hash);
        template.getMetadata().setLabels(templateLabels);
        io.fabric8.kubernetes.api.model.LabelSelector selector = client.getKubernetesSerialization()
                .clone(d.getSpec().getSelector());
        Map<String, String> matchLabels = selector.getMatchLabels() == null
                ? new HashMap<>() : new HashMap<>(selector.getMatchLabels());
        matchLabels.put(PodTemplateHash.LABEL, hash);
        selector.setMatchLabels(matchLabels);

        ReplicaSet rs = new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(d.getMetadata().getName() + "-" + hash)
                .withNamespace(d.getMetadata().getNamespace())
                .withLabels(templateLabels)
                .withOwnerReferences(Pods.controllerRef(d))
                .endMetadata()
                .withNewSpec()
                .withReplicas(0)
                .withMinReadySeconds(minReadySeconds(d))
                .withSelector(selector)
                .withTemplate(template)
                .endSpec()
                .build();
        List<ReplicaSet> all = new ArrayList<>(old);
        int newReplicas = RolloutMath.newRSNewReplicas(d, all, rs);
        rs.getSpec().setReplicas(newReplicas);
        Revisions.setNewReplicaSetAnnotations(d, rs, newRevision, false);
        ReplicaSet created;
        try {
            created = client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                ReplicaSet clash = client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace())
                        .withName(rs.getMetadata().getName()).get();
                if (clash != null && Pods.controllerOf(clash).map(r -> r.getUid().equals(d.getMetadata().getUid())).orElse(false)
                        && PodTemplateHash.equalIgnoringHash(clash.getSpec().getTemplate(), d.getSpec().getTemplate())) {
                    return clash;
                }
                DeploymentStatus s = status(d);
                s.setCollisionCount(collisionCount == null ? 1 : collisionCount + 1);
                writeStatus(d, s);
                throw new IllegalStateException("hash collision for replica set " + rs.getMetadata().getName()
                        + ": collisionCount raised to " + s.getCollisionCount());
            }
            if (hasProgressDeadline(d)) {
                setCondition(status(d), PROGRESSING, "False", "ReplicaSetCreateError",
                        "Failed to create new replica set \"" + rs.getMetadata().getName() + "\": " + ApiErrors.message(e));
                writeStatus(d, status(d));
            }
            events.warning(d, "FailedCreate", "Failed to create new replica set \"" + rs.getMetadata().getName()
                    + "\": " + ApiErrors.message(e));
            throw e;
        }
        if (newReplicas > 0) {
            events.normal(d, "ScalingReplicaSet", "Scaled up replica set " + created.getMetadata().getName()
                    + " to " + newReplicas);
        }
        setDeploymentRevision(d, Long.toString(newRevision));
        if (hasProgressDeadline(d)) {
            setCondition(status(d), PROGRESSING, "True", "NewReplicaSetCreated",
                    "Created new replica set \"" + created.getMetadata().getName() + "\"");
        }
        writeStatus(d, status(d));
        return created;
    }

    /** Sets the Deployment's revision annotation; persisted with a metadata update. True if a status write is due. */
    private boolean setDeploymentRevision(Deployment d, String revision) {
        Map<String, String> a = d.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(d.getMetadata().getAnnotations());
        if (revision == null || revision.equals(a.get(Revisions.REVISION))) {
            return false;
        }
        a.put(Revisions.REVISION, revision);
        d.getMetadata().setAnnotations(a);
        Deployment updated = client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).update();
        d.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        return true;
    }

    // ---- strategies ----

    private void rolloutRolling(Deployment d, List<ReplicaSet> rsList) {
        Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, true);
        if (reconcileNewReplicaSet(d, sets)) {
            syncRolloutStatus(d, sets);
            return;
        }
        if (reconcileOldReplicaSets(d, sets)) {
            syncRolloutStatus(d, sets);
            return;
        }
        if (isComplete(d, calculateStatus(d, sets))) {
            cleanup(d, sets.oldRSs());
        }
        syncRolloutStatus(d, sets);
    }

    private boolean reconcileNewReplicaSet(Deployment d, Sets sets) {
        ReplicaSet newRS = sets.newRS();
        int desired = RolloutMath.replicas(d);
        if (RolloutMath.replicas(newRS) == desired) {
            return false;
        }
        if (RolloutMath.replicas(newRS) > desired) {
            return scale(d, newRS, desired, sets);
        }
        return scale(d, newRS, RolloutMath.newRSNewReplicas(d, sets.all(), newRS), sets);
    }

    private boolean reconcileOldReplicaSets(Deployment d, Sets sets) {
        if (RolloutMath.specReplicas(sets.oldRSs()) == 0) {
            return false;
        }
        int allPods = RolloutMath.specReplicas(sets.all());
        int minAvailable = RolloutMath.replicas(d) - RolloutMath.maxUnavailable(d);
        ReplicaSet newRS = sets.newRS();
        int newUnavailable = RolloutMath.replicas(newRS) - RolloutMath.availableWithinSpec(newRS);
        int maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return false;
        }
        List<ReplicaSet> old = new ArrayList<>(sets.oldRSs());
        old.sort(BY_CREATION);
        int cleaned = 0;
        for (ReplicaSet rs : old) {
            if (cleaned >= maxScaledDown) {
                break;
            }
            int replicas = RolloutMath.replicas(rs);
            int available = RolloutMath.availableWithinSpec(rs);
            if (replicas == 0 || replicas <= available) {
                continue;
            }
            int down = Math.min(maxScaledDown - cleaned, replicas - available);
            scale(d, rs, replicas - down, sets);
            cleaned += down;
        }
        Sets after = new Sets(newRS, current(sets.oldRSs()));
        int availablePods = after.all().stream().mapToInt(RolloutMath::availableWithinSpec).sum();
        int scaledDown = 0;
        if (availablePods > minAvailable) {
            int total = availablePods - minAvailable;
            List<ReplicaSet> olds = new ArrayList<>(after.oldRSs());
            olds.sort(BY_CREATION);
            for (ReplicaSet rs : olds) {
                if (scaledDown >= total) {
                    break;
                }
                int replicas = RolloutMath.replicas(rs);
                if (replicas == 0) {
                    continue;
                }
                int down = Math.min(replicas, total - scaledDown);
                scale(d, rs, replicas - down, sets);
                scaledDown += down;
            }
        }
        return cleaned + scaledDown > 0;
    }

    private void rolloutRecreate(Deployment d, List<ReplicaSet> rsList) {
        Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
        boolean scaledDown = false;
        for (ReplicaSet rs : sets.oldRSs()) {
            if (RolloutMath.replicas(rs) > 0) {
                scaledDown |= scale(d, rs, 0, sets);
            }
        }
        if (scaledDown || oldPodsRunning(sets)) {
            syncRolloutStatus(d, sets);
            return;
        }
        if (sets.newRS() == null) {
            sets = getAllReplicaSetsAndSyncRevision(d, current(claimReplicaSets(d)), true);
        }
        if (RolloutMath.replicas(sets.newRS()) != RolloutMath.replicas(d)) {
            scale(d, sets.newRS(), RolloutMath.replicas(d), sets);
        }
        if (isComplete(d, calculateStatus(d, sets))) {
            cleanup(d, sets.oldRSs());
        }
        syncRolloutStatus(d, sets);
    }

    private boolean oldPodsRunning(Sets sets) {
        for (ReplicaSet rs : sets.oldRSs()) {
            if (rs.getStatus() != null && rs.getStatus().getReplicas() != null && rs.getStatus().getReplicas() > 0) {
                return true;
            }
            for (Pod pod : podInformer.getIndexer().byIndex(SharedInformers.BY_OWNER, rs.getMetadata().getUid())) {
                String phase = Pods.phase(pod);
                if (!"Failed".equals(phase) && !"Succeeded".equals(phase)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Paused or scaled: resize the ReplicaSets (proportionally mid-rollout) without progressing the rollout. */
    private void syncScaleOnly(Deployment d, List<ReplicaSet> rsList) {
        Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
        scaleProportionally(d, sets);
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            cleanup(d, sets.oldRSs());
        }
        writeStatusIfChanged(d, calculateStatus(d, new Sets(sets.newRS() == null ? null : current(sets.newRS()),
                current(sets.oldRSs()))));
    }

    private void syncStatusOnly(Deployment d, List<ReplicaSet> rsList) {
        Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
        writeStatusIfChanged(d, calculateStatus(d, sets));
    }

    private boolean isScalingEvent(Deployment d, List<ReplicaSet> rsList) {
        Sets sets = getAllReplicaSetsAndSyncRevision(d, rsList, false);
        for (ReplicaSet rs : sets.all()) {
            if (RolloutMath.replicas(rs) == 0) {
                continue;
            }
            Integer desired = Revisions.intAnnotation(rs, Revisions.DESIRED_REPLICAS);
            if (desired != null && desired != RolloutMath.replicas(d)) {
                return true;
            }
        }
        return false;
    }

    private void scaleProportionally(Deployment d, Sets sets) {
        List<ReplicaSet> active = sets.all().stream().filter(rs -> RolloutMath.replicas(rs) > 0).collect(Collectors.toList());
        ReplicaSet activeOrLatest = null;
        if (active.size() == 1) {
            activeOrLatest = active.get(0);
        } else if (active.isEmpty()) {
            activeOrLatest = sets.newRS() != null ? sets.newRS()
                    : sets.oldRSs().stream().max(BY_CREATION).orElse(null);
        }
        int desired = RolloutMath.replicas(d);
        if (activeOrLatest != null || active.isEmpty()) {
            if (activeOrLatest != null && RolloutMath.replicas(activeOrLatest) != desired) {
                scale(d, activeOrLatest, desired, sets);
            }
            return;
        }
        if (isSaturated(d, sets.newRS())) {
            for (ReplicaSet rs : sets.oldRSs()) {
                if (RolloutMath.replicas(rs) > 0) {
                    scale(d, rs, 0, sets);
                }
            }
            return;
        }
        if (!RolloutMath.isRollingUpdate(d)) {
            return;
        }
        int allReplicas = RolloutMath.specReplicas(active);
        int allowed = desired > 0 ? desired + RolloutMath.maxSurge(d) : 0;
        int toAdd = allowed - allReplicas;
        Map<String, Integer> sizes = ProportionalScaler.distribute(d, active, toAdd, RolloutMath.maxSurge(d),
                status(d).getReplicas() == null ? 0 : status(d).getReplicas());
        for (ReplicaSet rs : active) {
            scale(d, rs, sizes.get(rs.getMetadata().getName()), sets);
        }
    }

    private boolean isSaturated(Deployment d, ReplicaSet rs) {
        if (rs == null) {
            return false;
        }
        Integer desired = Revisions.intAnnotation(rs, Revisions.DESIRED_REPLICAS);
        int want = RolloutMath.replicas(d);
        return desired != null && desired == want && RolloutMath.replicas(rs) == want && RolloutMath.available(rs) == want;
    }

    /**
     * Sets a ReplicaSet's size and its desired/max-replicas annotations; records a ScalingReplicaSet event when
     * the size changed. Returns true if the size changed.
     */
    private boolean scale(Deployment d, ReplicaSet rs, int newSize, Sets sets) {
        ReplicaSet copy = client.getKubernetesSerialization().clone(current(rs));
        int oldSize = RolloutMath.replicas(copy);
        boolean sizeChanged = oldSize != newSize;
        boolean annotationsChanged = Revisions.setReplicasAnnotations(copy, RolloutMath.replicas(d),
                RolloutMath.replicas(d) + RolloutMath.maxSurge(d));
        if (!sizeChanged && !annotationsChanged) {
            return false;
        }
        copy.getSpec().setReplicas(newSize);
        ReplicaSet updated = client.apps().replicaSets().inNamespace(copy.getMetadata().getNamespace()).resource(copy).update();
        latest.put(uid(updated), updated);
        if (sizeChanged) {
            // Same wording as Kubernetes 1.29+: "Scaled down replica set web-abc to 2 from 3".
            events.normal(d, "ScalingReplicaSet", "Scaled " + (newSize > oldSize ? "up" : "down") + " replica set "
                    + copy.getMetadata().getName() + " to " + newSize + " from " + oldSize);
        }
        return sizeChanged;
    }

    private ReplicaSet current(ReplicaSet rs) {
        ReplicaSet written = latest.get(uid(rs));
        ReplicaSet cached = rsInformer.getStore().getByKey(Cache.metaNamespaceKeyFunc(rs));
        if (written != null && cached != null && !newer(written, cached)) {
            latest.remove(uid(rs), written);
        }
        ReplicaSet best = rs;
        for (ReplicaSet candidate : new ReplicaSet[] {written, cached}) {
            if (candidate != null && uid(candidate).equals(uid(rs)) && newer(candidate, best)) {
                best = candidate;
            }
        }
        return best;
    }

    private List<ReplicaSet> current(List<ReplicaSet> sets) {
        return sets.stream().map(this::current).collect(Collectors.toList());
    }

    private static boolean newer(ReplicaSet a, ReplicaSet b) {
        try {
            return Long.parseLong(a.getMetadata().getResourceVersion()) > Long.parseLong(b.getMetadata().getResourceVersion());
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String uid(ReplicaSet rs) {
        return rs.getMetadata().getUid();
    }

    private void cleanup(Deployment d, List<ReplicaSet> old) {
        Integer limit = d.getSpec().getRevisionHistoryLimit();
        if (limit == null) {
            return;
        }
        List<ReplicaSet> cleanable = current(old).stream().filter(rs -> rs.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparingLong(Revisions::revision).thenComparing(BY_CREATION))
                .collect(Collectors.toList());
        int diff = cleanable.size() - limit;
        for (int i = 0; i < diff; i++) {
            ReplicaSet rs = cleanable.get(i);
            int statusReplicas = rs.getStatus() == null || rs.getStatus().getReplicas() == null ? 0 : rs.getStatus().getReplicas();
            long observed = rs.getStatus() == null || rs.getStatus().getObservedGeneration() == null ? 0 : rs.getStatus().getObservedGeneration();
            if (statusReplicas != 0 || RolloutMath.replicas(rs) != 0
                    || Objects.requireNonNullElse(rs.getMetadata().getGeneration(), 0L) > observed) {
                continue;
            }
            log.info("deleting old replica set {}/{} (revisionHistoryLimit {})", rs.getMetadata().getNamespace(),
                    rs.getMetadata().getName(), limit);
            client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName())
                    .delete();
        }
    }

    // ---- status ----

    private boolean checkPausedConditions(Deployment d) {
        if (!hasProgressDeadline(d)) {
            return false;
        }
        DeploymentCondition cond = condition(d, PROGRESSING);
        if (cond != null && TIMED_OUT.equals(cond.getReason())) {
            return false;
        }
        boolean pausedCond = cond != null && PAUSED.equals(cond.getReason());
        boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
        DeploymentStatus s = copyStatus(d);
        if (paused && !pausedCond) {
            setCondition(s, PROGRESSING, "Unknown", PAUSED, "Deployment is paused");
        } else if (!paused && pausedCond) {
            setCondition(s, PROGRESSING, "Unknown", RESUMED, "Deployment is resumed");
        } else {
            return false;
        }
        writeStatus(d, s);
        return true;
    }

    DeploymentStatus calculateStatus(Deployment d, Sets sets) {
        List<ReplicaSet> all = sets.all();
        int available = all.stream().mapToInt(RolloutMath::availableWithinSpec).sum();
        int unavailable = Math.max(0, RolloutMath.specReplicas(all) - available);
        DeploymentStatus s = copyStatus(d);
        s.setObservedGeneration(d.getMetadata().getGeneration());
        s.setReplicas(RolloutMath.statusReplicas(all));
        s.setUpdatedReplicas(sets.newRS() == null ? 0 : statusCurrent(sets.newRS())
                ? RolloutMath.statusReplicas(List.of(sets.newRS()))
                : Math.min(RolloutMath.statusReplicas(List.of(sets.newRS())), RolloutMath.replicas(sets.newRS())));
        s.setReadyReplicas(RolloutMath.readyReplicas(all));
        s.setAvailableReplicas(available);
        s.setUnavailableReplicas(unavailable);
        if (available >= RolloutMath.replicas(d) - RolloutMath.maxUnavailable(d)) {
            setCondition(s, AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability.");
        } else {
            setCondition(s, AVAILABLE, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.");
        }
        return s;
    }

    private void syncRolloutStatus(Deployment d, Sets stale) {
        Sets sets = new Sets(stale.newRS() == null ? null : current(stale.newRS()), current(stale.oldRSs()));
        DeploymentStatus s = calculateStatus(d, sets);
        if (!hasProgressDeadline(d)) {
            removeCondition(s, PROGRESSING);
        }
        DeploymentCondition cond = condition(s, PROGRESSING);
        boolean complete = Objects.equals(s.getReplicas(), s.getUpdatedReplicas()) && cond != null
                && NEW_RS_AVAILABLE.equals(cond.getReason());
        if (hasProgressDeadline(d) && !complete) {
            String rsName = sets.newRS() == null ? "" : sets.newRS().getMetadata().getName();
            if (isComplete(d, s) && sets.all().stream().allMatch(DeploymentController::statusCurrent)) {
                setCondition(s, PROGRESSING, "True", NEW_RS_AVAILABLE,
                        "ReplicaSet \"" + rsName + "\" has successfully progressed.");
            } else if (isProgressing(d, s)) {
                String lastTransition = cond != null && "True".equals(cond.getStatus()) ? cond.getLastTransitionTime() : null;
                removeCondition(s, PROGRESSING);
                DeploymentCondition c = setCondition(s, PROGRESSING, "True", RS_UPDATED,
                        "ReplicaSet \"" + rsName + "\" is progressing.");
                if (lastTransition != null) {
                    c.setLastTransitionTime(lastTransition);
                }
            } else if (timedOut(d, cond)) {
                setCondition(s, PROGRESSING, "False", TIMED_OUT,
                        "ReplicaSet \"" + rsName + "\" has timed out progressing.");
                events.warning(d, TIMED_OUT, "Deployment \"" + d.getMetadata().getName() + "\" has timed out progressing.");
            }
        }
        ReplicaSetCondition failure = replicaFailure(sets);
        if (failure != null) {
            setCondition(s, REPLICA_FAILURE, failure.getStatus(), failure.getReason(), failure.getMessage());
        } else {
            removeCondition(s, REPLICA_FAILURE);
        }
        if (!writeStatusIfChanged(d, s)) {
            requeueStuck(d, s);
        }
    }

    /** A ReplicaFailure of the new replica set, else of an old one: why pods cannot be created shows on the Deployment. */
    private static ReplicaSetCondition replicaFailure(Sets sets) {
        List<ReplicaSet> ordered = new ArrayList<>();
        if (sets.newRS() != null) {
            ordered.add(sets.newRS());
        }
        ordered.addAll(sets.oldRSs());
        for (ReplicaSet rs : ordered) {
            if (rs.getStatus() == null || rs.getStatus().getConditions() == null) {
                continue;
            }
            for (ReplicaSetCondition c : rs.getStatus().getConditions()) {
                if (REPLICA_FAILURE.equals(c.getType())) {
                    return c;
                }
            }
        }
        return null;
    }

    private void requeueStuck(Deployment d, DeploymentStatus s) {
        DeploymentCondition cond = condition(s, PROGRESSING);
        if (!hasProgressDeadline(d) || cond == null || isComplete(d, s) || TIMED_OUT.equals(cond.getReason())) {
            return;
        }
        Instant from = Times.parse(cond.getLastUpdateTime());
        if (from == null) {
            return;
        }
        Duration after = Duration.between(Instant.now(), from.plusSeconds(d.getSpec().getProgressDeadlineSeconds()));
        controller.enqueueAfter(Cache.metaNamespaceKeyFunc(d), after.compareTo(Duration.ofSeconds(1)) < 0
                ? Duration.ZERO : after.plusSeconds(1));
    }

    private static boolean isComplete(Deployment d, DeploymentStatus s) {
        int want = RolloutMath.replicas(d);
        return n(s.getUpdatedReplicas()) == want && n(s.getReplicas()) == want && n(s.getAvailableReplicas()) == want
                && Objects.requireNonNullElse(s.getObservedGeneration(), 0L) >= Objects.requireNonNullElse(d.getMetadata().getGeneration(), 0L);
    }

    /** A ReplicaSet's status describes its current spec only once the replicaset controller has observed it. */
    private static boolean statusCurrent(ReplicaSet rs) {
        long observed = rs.getStatus() == null || rs.getStatus().getObservedGeneration() == null
                ? 0 : rs.getStatus().getObservedGeneration();
        return observed >= Objects.requireNonNullElse(rs.getMetadata().getGeneration(), 0L);
    }

    private static boolean isProgressing(Deployment d, DeploymentStatus s) {
        DeploymentStatus old = status(d);
        int oldOld = n(old.getReplicas()) - n(old.getUpdatedReplicas());
        int newOld = n(s.getReplicas()) - n(s.getUpdatedReplicas());
        return n(s.getUpdatedReplicas()) > n(old.getUpdatedReplicas()) || newOld < oldOld
                || n(s.getReadyReplicas()) > n(old.getReadyReplicas())
                || n(s.getAvailableReplicas()) > n(old.getAvailableReplicas());
    }

    private static boolean timedOut(Deployment d, DeploymentCondition cond) {
        if (cond == null || NEW_RS_AVAILABLE.equals(cond.getReason())) {
            return false;
        }
        if (TIMED_OUT.equals(cond.getReason())) {
            return true;
        }
        Instant from = Times.parse(cond.getLastUpdateTime());
        return from != null && from.plusSeconds(d.getSpec().getProgressDeadlineSeconds()).isBefore(Instant.now());
    }

    private static boolean hasProgressDeadline(Deployment d) {
        Integer seconds = d.getSpec().getProgressDeadlineSeconds();
        return seconds != null && seconds != Integer.MAX_VALUE;
    }

    private static int minReadySeconds(Deployment d) {
        return d.getSpec().getMinReadySeconds() == null ? 0 : d.getSpec().getMinReadySeconds();
    }

    private static int n(Integer i) {
        return i == null ? 0 : i;
    }

    private static DeploymentStatus status(Deployment d) {
        if (d.getStatus() == null) {
            d.setStatus(new DeploymentStatus());
        }
        return d.getStatus();
    }

    private DeploymentStatus copyStatus(Deployment d) {
        return client.getKubernetesSerialization().clone(status(d));
    }

    private static DeploymentCondition condition(Deployment d, String type) {
        return condition(status(d), type);
    }

    private static DeploymentCondition condition(DeploymentStatus s, String type) {
        return s.getConditions() == null ? null
                : s.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static void removeCondition(DeploymentStatus s, String type) {
        if (s.getConditions() != null) {
            List<DeploymentCondition> rest = new ArrayList<>(s.getConditions());
            rest.removeIf(c -> type.equals(c.getType()));
            s.setConditions(rest);
        }
    }

    /** Sets a condition; an unchanged status and reason keeps the existing one (and its timestamps). */
    static DeploymentCondition setCondition(DeploymentStatus s, String type, String status, String reason, String message) {
        DeploymentCondition existing = condition(s, type);
        if (existing != null && status.equals(existing.getStatus()) && reason.equals(existing.getReason())) {
            return existing;
        }
        String now = Times.now();
        DeploymentCondition c = new DeploymentCondition();
        c.setType(type);
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        c.setLastUpdateTime(now);
        c.setLastTransitionTime(existing != null && status.equals(existing.getStatus())
                ? existing.getLastTransitionTime() : now);
        List<DeploymentCondition> list = s.getConditions() == null ? new ArrayList<>() : new ArrayList<>(s.getConditions());
        list.removeIf(x -> type.equals(x.getType()));
        list.add(c);
        s.setConditions(list);
        return c;
    }

    private boolean writeStatusIfChanged(Deployment d, DeploymentStatus s) {
        if (Semantic.equal(status(d), s)) {
            return false;
        }
        writeStatus(d, s);
        return true;
    }

    private void writeStatus(Deployment d, DeploymentStatus s) {
        d.setStatus(s);
        Deployment updated = client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
        d.getMetadata().setResourceVersion(updated.getMetadata().getResourceVersion());
        d.setStatus(client.getKubernetesSerialization().clone(s));
    }
}
