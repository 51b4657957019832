package dev.keelson.controllermanager.disruption;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationController;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Kubernetes' disruption controller: for every PodDisruptionBudget, counts the selected pods that are healthy (ready,
 * not being deleted, not just evicted), works out how many must stay healthy (minAvailable, or the owners' scale minus
 * maxUnavailable; percentages of the owners' scale, rounded up) and writes expectedPods, currentHealthy,
 * desiredHealthy, disruptionsAllowed, the DisruptionAllowed condition and the disruptedPods the eviction subresource
 * recorded (each forgotten when its pod is deleted or after two minutes). When the scale cannot be found the budget
 * allows nothing (reason SyncFailed), as Kubernetes' failSafe does.
 */
public final class DisruptionController implements AutoCloseable {
    /** DeletionTimeout: how long an evicted pod is counted as going away. */
    static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final SharedIndexInformer<PodDisruptionBudget> pdbs;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<ReplicaSet> replicaSets;
    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<StatefulSet> statefulSets;
    private final SharedIndexInformer<ReplicationController> rcs;
    private final EventRecorder events;
    private final Controller controller;

    public DisruptionController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.pdbs = informers.namespaced(PodDisruptionBudget.class);
        this.pods = informers.pods();
        this.replicaSets = informers.replicaSets();
        this.deployments = informers.deployments();
        this.statefulSets = informers.namespaced(StatefulSet.class);
        this.rcs = informers.namespaced(ReplicationController.class);
        this.events = EventRecorder.builder("controllermanager").build(client);
        this.controller = new Controller("disruption", this::sync, meters);
        pdbs.addEventHandler(controller.handler());
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueBudgetsOf(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                enqueueBudgetsOf(pod);
                if (!Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels())) {
                    enqueueBudgetsOf(old);
                }
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                enqueueBudgetsOf(pod);
            }
        });
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(pdbs, pods, replicaSets, deployments, statefulSets, rcs),
                Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        events.close();
    }

    private void enqueueBudgetsOf(Pod pod) {
        for (PodDisruptionBudget pdb : pdbs.getIndexer().byIndex(SharedInformers.BY_NAMESPACE,
                pod.getMetadata().getNamespace())) {
            if (LabelSelector.of(pdb.getSpec().getSelector()).matches(pod.getMetadata().getLabels())) {
                controller.enqueue(pdb);
            }
        }
    }

    void sync(String key) {
        PodDisruptionBudget pdb = pdbs.getStore().getByKey(key);
        if (pdb == null) {
            return;
        }
        String ns = pdb.getMetadata().getNamespace();
        LabelSelector selector = LabelSelector.of(pdb.getSpec().getSelector());
        List<Pod> selected = new ArrayList<>();
        for (Pod pod : pods.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, ns)) {
            if (selector.matches(pod.getMetadata().getLabels())) {
                selected.add(pod);
            }
        }
        if (selected.isEmpty()) {
            events.normal(pdb, "NoPods", "No matching pods found");
        }
        Expected expected;
        try {
            expected = expectedPodCount(pdb, selected);
        } catch (IllegalStateException e) {
            events.warning(pdb, "CalculateExpectedPodCountFailed", "Failed to calculate the number of expected pods: "
                    + e.getMessage());
            failSafe(pdb, e.getMessage());
            return;
        }
        Instant now = Instant.now();
        Map<String, String> disrupted = new LinkedHashMap<>();
        Instant recheck = disruptedPods(pdb, selected, now, disrupted);
        int healthy = 0;
        for (Pod pod : selected) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String at = disrupted.get(pod.getMetadata().getName());
            if (at != null && Times.parse(at).plus(DELETION_TIMEOUT).isAfter(now)) {
                continue;
            }
            if (Pods.isReady(pod)) {
                healthy++;
            }
        }
        writeStatus(pdb, healthy, expected.desiredHealthy(), expected.count(), disrupted);
        if (recheck != null) {
            controller.enqueueAfter(key, Duration.between(now, recheck).plusMillis(100));
        }
    }

    record Expected(int count, int desiredHealthy) {
    }

    /** getExpectedPodCount: the expected pods and how many of them must be healthy. */
    Expected expectedPodCount(PodDisruptionBudget pdb, List<Pod> selected) {
        IntOrString max = pdb.getSpec().getMaxUnavailable();
        IntOrString min = pdb.getSpec().getMinAvailable();
        if (max != null) {
            int count = expectedScale(pdb, selected);
            int unavailable = scaled(max, count);
            return new Expected(count, Math.max(0, count - unavailable));
        }
        if (min != null) {
            if (min.getIntVal() != null) {
                return new Expected(selected.size(), min.getIntVal());
            }
            int count = expectedScale(pdb, selected);
            return new Expected(count, scaled(min, count));
        }
        return new Expected(selected.size(), 0);
    }

    /** GetScaledValueFromIntOrPercent with rounding up. */
    static int scaled(IntOrString v, int total) {
        if (v.getIntVal() != null) {
            return v.getIntVal();
        }
        String s = v.getStrVal() == null ? "" : v.getStrVal();
        if (!s.endsWith("%")) {
            throw new IllegalStateException("invalid value for IntOrString: invalid value \"" + s + "\"");
        }
        int percent;
        try {
            percent = Integer.parseInt(s.substring(0, s.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("invalid value for IntOrString: invalid value \"" + s + "\"");
        }
        return (int) Math.ceil(percent * (double) total / 100.0);
    }

    /** getExpectedScale: the sum of the scale of every controller owning a selected pod (each counted once). */
    private int expectedScale(PodDisruptionBudget pdb, List<Pod> selected) {
        Map<String, Integer> byController = new HashMap<>();
        List<String> unmanaged = new ArrayList<>();
        for (Pod pod : selected) {
            OwnerReference ref = Pods.controllerOf(pod).orElse(null);
            if (ref == null) {
                unmanaged.add(pod.getMetadata().getName());
                continue;
            }
            if (byController.containsKey(ref.getUid())) {
                continue;
            }
            Scale scale = scaleOf(pod.getMetadata().getNamespace(), ref);
            if (scale == null) {
                throw new IllegalStateException("found no controllers for pod \"" + pod.getMetadata().getName() + "\"");
            }
            byController.put(scale.uid(), scale.replicas());
        }
        if (!unmanaged.isEmpty()) {
            events.warning(pdb, "UnmanagedPods", "Pods selected by this PodDisruptionBudget (selector: "
                    + LabelSelector.of(pdb.getSpec().getSelector()) + ") were found to be unmanaged. As a result, the "
                    + "status of the PDB cannot be calculated correctly, which may result in undefined behavior. To "
                    + "account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.");
        }
        return byController.values().stream().mapToInt(Integer::intValue).sum();
    }

    private record Scale(String uid, int replicas) {
    }

    /** The finders: ReplicaSet (its Deployment's scale when it has one), ReplicationController, StatefulSet. */
    private Scale scaleOf(String ns, OwnerReference ref) {
        String key = Cache.namespaceKeyFunc(ns, ref.getName());
        switch (ref.getKind()) {
            case "ReplicaSet" -> {
                ReplicaSet rs = replicaSets.getStore().getByKey(key);
                if (rs == null || !rs.getMetadata().getUid().equals(ref.getUid())) {
                    return null;
                }
                OwnerReference owner = Pods.controllerOf(rs).orElse(null);
                if (owner != null && "Deployment".equals(owner.getKind())) {
                    Deployment d = deployments.getStore().getByKey(Cache.namespaceKeyFunc(ns, owner.getName()));
                    if (d == null || !d.getMetadata().getUid().equals(owner.getUid())) {
                        return null;
                    }
                    return new Scale(d.getMetadata().getUid(), replicasOr1(d.getSpec().getReplicas()));
                }
                return new Scale(rs.getMetadata().getUid(), replicasOr1(rs.getSpec().getReplicas()));
            }
            case "ReplicationController" -> {
                ReplicationController rc = rcs.getStore().getByKey(key);
                return rc == null || !rc.getMetadata().getUid().equals(ref.getUid()) ? null
                        : new Scale(rc.getMetadata().getUid(), replicasOr1(rc.getSpec().getReplicas()));
            }
            case "StatefulSet" -> {
                StatefulSet sts = statefulSets.getStore().getByKey(key);
                return sts == null || !sts.getMetadata().getUid().equals(ref.getUid()) ? null
                        : new Scale(sts.getMetadata().getUid(), replicasOr1(sts.getSpec().getReplicas()));
            }
            default -> {
                return null;
            }
        }
    }

    private static int replicasOr1(Integer r) {
        return r == null ? 1 : r;
    }

    /**
     * buildDisruptedPodMap: keeps the recorded evictions of selected pods not yet being deleted and not older than
     * the deletion timeout (an older one gets a NotDeleted event); returns when the earliest kept one expires.
     */
    private Instant disruptedPods(PodDisruptionBudget pdb, List<Pod> selected, Instant now, Map<String, String> out) {
        Map<String, String> recorded = pdb.getStatus() == null ? null : pdb.getStatus().getDisruptedPods();
        if (recorded == null || recorded.isEmpty()) {
            return null;
        }
        Instant recheck = null;
        for (Pod pod : selected) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            String at = recorded.get(pod.getMetadata().getName());
            Instant when = at == null ? null : Times.parse(at);
            if (when == null) {
                continue;
            }
            Instant expected = when.plus(DELETION_TIMEOUT);
            if (expected.isBefore(now)) {
                events.warning(pod, "NotDeleted", "Pod was expected by PDB " + pdb.getMetadata().getNamespace() + "/"
                        + pdb.getMetadata().getName() + " to be deleted but it wasn't");
            } else {
                if (recheck == null || expected.isBefore(recheck)) {
                    recheck = expected;
                }
                out.put(pod.getMetadata().getName(), at);
            }
        }
        return recheck;
    }

    /** updatePdbStatus: no disruption while nothing is expected; written only when something changed. */
    private void writeStatus(PodDisruptionBudget pdb, int healthy, int desired, int expected,
                             Map<String, String> disrupted) {
        int allowed = healthy - desired;
        if (expected <= 0 || allowed <= 0) {
            allowed = 0;
        }
        PodDisruptionBudgetStatus old = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
        long generation = pdb.getMetadata().getGeneration() == null ? 0 : pdb.getMetadata().getGeneration();
        boolean upToDate = Objects.equals(old.getCurrentHealthy(), healthy)
                && Objects.equals(old.getDesiredHealthy(), desired) && Objects.equals(old.getExpectedPods(), expected)
                && Objects.equals(old.getDisruptionsAllowed(), allowed)
                && Objects.equals(old.getDisruptedPods() == null ? Map.of() : old.getDisruptedPods(), disrupted)
                && Objects.equals(old.getObservedGeneration(), generation) && conditionUpToDate(old, allowed, generation);
        if (upToDate) {
            return;
        }
        PodDisruptionBudgetStatus status = new PodDisruptionBudgetStatus();
        status.setCurrentHealthy(healthy);
        status.setDesiredHealthy(desired);
        status.setExpectedPods(expected);
        status.setDisruptionsAllowed(allowed);
        status.setDisruptedPods(disrupted.isEmpty() ? null : disrupted);
        status.setObservedGeneration(generation);
        status.setConditions(withCondition(old.getConditions(), allowed > 0 ? "True" : "False",
                allowed > 0 ? "SufficientPods" : "InsufficientPods", "", generation));
        update(pdb, status);
    }

    /** failSafe: no disruption allowed, condition False with reason SyncFailed and the error. */
    private void failSafe(PodDisruptionBudget pdb, String message) {
        PodDisruptionBudgetStatus old = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
        PodDisruptionBudgetStatus status = client.getKubernetesSerialization().clone(old);
        long generation = pdb.getMetadata().getGeneration() == null ? 0 : pdb.getMetadata().getGeneration();
        status.setDisruptionsAllowed(0);
        status.setObservedGeneration(generation);
        status.setConditions(withCondition(old.getConditions(), "False", "SyncFailed", message, generation));
        if (!status.equals(old)) {
            update(pdb, status);
        }
    }

    private void update(PodDisruptionBudget pdb, PodDisruptionBudgetStatus status) {
        PodDisruptionBudget copy = client.getKubernetesSerialization().clone(pdb);
        copy.setStatus(status);
        client.resources(PodDisruptionBudget.class).inNamespace(pdb.getMetadata().getNamespace()).resource(copy)
                .updateStatus();
    }

    private static boolean conditionUpToDate(PodDisruptionBudgetStatus old, int allowed, long generation) {
        if (old.getConditions() == null) {
            return false;
        }
        for (Condition c : old.getConditions()) {
            if ("DisruptionAllowed".equals(c.getType())) {
                return Objects.equals(c.getObservedGeneration(), generation)
                        && (allowed > 0 ? "True".equals(c.getStatus()) && "SufficientPods".equals(c.getReason())
                        : "False".equals(c.getStatus()) && "InsufficientPods".equals(c.getReason()));
            }
        }
        return false;
    }

    /** meta.SetStatusCondition for DisruptionAllowed: the transition time moves only when the status does. */
    static List<Condition> withCondition(List<Condition> old, String status, String reason, String message,
                                         long generation) {
        List<Condition> out = new ArrayList<>();
        Condition existing = null;
        if (old != null) {
            for (Condition c : old) {
                if ("DisruptionAllowed".equals(c.getType())) {
                    existing = c;
                } else {
                    out.add(c);
                }
            }
        }
        Condition c = new Condition();
        c.setType("DisruptionAllowed");
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        c.setObservedGeneration(generation);
        c.setLastTransitionTime(existing != null && status.equals(existing.getStatus())
                ? existing.getLastTransitionTime() : Times.now());
        out.add(c);
        return out;
    }
}
