package dev.keelson.controllermanager.garbagecollector;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.controller.Informers;
import dev.keelson.controllermanager.common.OwnerRefs;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes objects whose owners are gone and carries out foreground and orphan deletion, over the graph that
 * ownerReferences draw between the monitored kinds. Keys are {@code Kind|namespace|name}; a sync looks at one
 * object: if it is an owner being deleted with the {@code foregroundDeletion} or {@code orphan} finalizer it
 * deletes or orphans its dependents and then removes the finalizer; otherwise it checks the object's owners and
 * deletes it if none of them exists any more (an owner with a different UID counts as gone).
 */
public final class GarbageCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
    static final String FOREGROUND = "foregroundDeletion";
    static final String ORPHAN = "orphan";

    private final KubernetesClient client;
    private final Map<String, SharedIndexInformer<? extends HasMetadata>> byKind = new LinkedHashMap<>();
    private final Controller controller;

    /** @param kinds the kinds to watch by their ownerReference kind name (the controller list's garbage-collected kinds) */
    public GarbageCollector(SharedInformers informers, Map<String, SharedIndexInformer<? extends HasMetadata>> kinds,
                            MeterRegistry meters) {
        this.client = informers.client();
        this.controller = new Controller("garbagecollector", this::sync, meters);
        kinds.forEach(this::monitor);
    }

    private <T extends HasMetadata> void monitor(String kind, SharedIndexInformer<T> informer) {
        byKind.put(kind, informer);
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                changed(kind, obj);
            }

            @Override
            public void onUpdate(T oldObj, T obj) {
                changed(kind, obj);
            }

            @Override
            public void onDelete(T obj, boolean unknown) {
                // dependents of a vanished owner must be re-examined; an owner waiting for this one may now finish
                dependentsOf(obj.getMetadata().getUid()).forEach(controller::enqueue);
                ownerKeys(obj).forEach(controller::enqueue);
            }
        });
    }

    private void changed(String kind, HasMetadata obj) {
        boolean hasOwners = obj.getMetadata().getOwnerReferences() != null && !obj.getMetadata().getOwnerReferences().isEmpty();
        boolean deleting = obj.getMetadata().getDeletionTimestamp() != null
                && (hasFinalizer(obj, FOREGROUND) || hasFinalizer(obj, ORPHAN));
        if (hasOwners || deleting) {
            controller.enqueue(key(kind, obj.getMetadata().getNamespace(), obj.getMetadata().getName()));
        }
        if (obj.getMetadata().getDeletionTimestamp() != null) {
            ownerKeys(obj).forEach(controller::enqueue);
        }
    }

    public void run(int workers) throws InterruptedException {
        Informers.startAndWaitForSync(byKind.values(), Duration.ofMinutes(2));
        controller.run(workers, byKind.values(), Duration.ofMinutes(2));
        for (Map.Entry<String, SharedIndexInformer<? extends HasMetadata>> e : byKind.entrySet()) {
            for (HasMetadata obj : e.getValue().getStore().list()) {
                changed(e.getKey(), obj);
            }
        }
    }

    @Override
    public void close() {
        controller.close();
    }

    static String key(String kind, String namespace, String name) {
        return kind + "|" + Objects.requireNonNullElse(namespace, "") + "|" + name;
    }

    private HasMetadata lookup(String key) {
        String[] parts = key.split("\\|", 3);
        SharedIndexInformer<? extends HasMetadata> informer = byKind.get(parts[0]);
        if (informer == null) {
            return null;
        }
        return informer.getStore().getByKey(parts[1].isEmpty() ? parts[2] : parts[1] + "/" + parts[2]);
    }

    /** Keys of every monitored object that lists {@code uid} among its owners. */
    private List<String> dependentsOf(String uid) {
        List<String> keys = new ArrayList<>();
        byKind.forEach((kind, informer) -> {
            for (HasMetadata dep : informer.getIndexer().byIndex(SharedInformers.BY_OWNER, uid)) {
                keys.add(key(kind, dep.getMetadata().getNamespace(), dep.getMetadata().getName()));
            }
        });
        return keys;
    }

    private List<HasMetadata> dependentObjects(String uid) {
        List<HasMetadata> deps = new ArrayList<>();
        byKind.values().forEach(informer -> deps.addAll(informer.getIndexer().byIndex(SharedInformers.BY_OWNER, uid)));
        return deps;
    }

    private List<String> ownerKeys(HasMetadata obj) {
        List<String> keys = new ArrayList<>();
        if (obj.getMetadata().getOwnerReferences() != null) {
            for (OwnerReference ref : obj.getMetadata().getOwnerReferences()) {
                if (byKind.containsKey(ref.getKind())) {
                    keys.add(key(ref.getKind(), obj.getMetadata().getNamespace(), ref.getName()));
                }
            }
        }
        return keys;
    }

    void sync(String key) throws Exception {
        HasMetadata obj = lookup(key);
        if (obj == null) {
            return;
        }
        if (obj.getMetadata().getDeletionTimestamp() != null) {
            if (hasFinalizer(obj, ORPHAN)) {
                orphanDependents(obj);
                return;
            }
            if (hasFinalizer(obj, FOREGROUND)) {
                deleteDependentsInForeground(key, obj);
                return;
            }
        }
        attemptToDelete(obj);
    }

    private enum OwnerState { SOLID, DANGLING, WAITING }

    /** Deletes {@code obj} if no owner of it exists any more; drops references to vanished owners otherwise. */
    private void attemptToDelete(HasMetadata obj) {
        List<OwnerReference> refs = obj.getMetadata().getOwnerReferences();
        if (refs == null || refs.isEmpty() || obj.getMetadata().getDeletionTimestamp() != null) {
            return;
        }
        List<OwnerReference> solid = new ArrayList<>();
        List<OwnerReference> waiting = new ArrayList<>();
        List<OwnerReference> dangling = new ArrayList<>();
        for (OwnerReference ref : refs) {
            switch (ownerState(obj.getMetadata().getNamespace(), ref)) {
                case SOLID -> solid.add(ref);
                case WAITING -> waiting.add(ref);
                case DANGLING -> dangling.add(ref);
            }
        }
        if (!solid.isEmpty()) {
            if (!dangling.isEmpty()) {
                log.info("{} {}/{}: removing references to vanished owners {}", obj.getKind(),
                        obj.getMetadata().getNamespace(), obj.getMetadata().getName(), names(dangling));
                OwnerRefs.patch(client, obj, refs.stream().filter(r -> !dangling.contains(r)).toList());
            }
            return;
        }
        DeletionPropagation policy;
        if (!waiting.isEmpty()) {
            policy = DeletionPropagation.FOREGROUND;
        } else if (hasFinalizer(obj, ORPHAN)) {
            policy = DeletionPropagation.ORPHAN;
        } else {
            policy = DeletionPropagation.BACKGROUND;
        }
        log.info("deleting {} {}/{}: owners {} gone or being deleted (propagation {})", obj.getKind(),
                obj.getMetadata().getNamespace(), obj.getMetadata().getName(), names(refs), policy);
        delete(obj, policy);
    }

    private OwnerState ownerState(String namespace, OwnerReference ref) {
        HasMetadata owner = null;
        SharedIndexInformer<? extends HasMetadata> informer = byKind.get(ref.getKind());
        if (informer != null) {
            owner = informer.getStore().getByKey(namespace == null ? ref.getName() : namespace + "/" + ref.getName());
        }
        if (owner == null || !Objects.equals(owner.getMetadata().getUid(), ref.getUid())) {
            // The cache may lag behind: only the apiserver can say an owner is gone.
            owner = liveOwner(namespace, ref);
        }
        if (owner == null || !Objects.equals(owner.getMetadata().getUid(), ref.getUid())) {
            return OwnerState.DANGLING;
        }
        if (owner.getMetadata().getDeletionTimestamp() != null && hasFinalizer(owner, FOREGROUND)) {
            return OwnerState.WAITING;
        }
        return OwnerState.SOLID;
    }

    /** The owner as the apiserver has it now (a cluster-scoped owner kind ignores the namespace). */
    private HasMetadata liveOwner(String namespace, OwnerReference ref) {
        var op = client.genericKubernetesResources(ref.getApiVersion(), ref.getKind());
        try {
            return namespace == null ? op.withName(ref.getName()).get()
                    : op.inNamespace(namespace).withName(ref.getName()).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Foreground deletion: delete every dependent (in foreground too, so their own dependents go first) and
     * remove the owner's finalizer once no dependent with blockOwnerDeletion is left.
     */
    private void deleteDependentsInForeground(String key, HasMetadata owner) {
        String uid = owner.getMetadata().getUid();
        boolean blocked = false;
        for (HasMetadata dep : dependentObjects(uid)) {
            OwnerReference ref = dep.getMetadata().getOwnerReferences().stream()
                    .filter(r -> uid.equals(r.getUid())).findFirst().orElseThrow();
            if (Boolean.TRUE.equals(ref.getBlockOwnerDeletion())) {
                blocked = true;
            }
            if (dep.getMetadata().getDeletionTimestamp() == null) {
                boolean otherSolidOwners = dep.getMetadata().getOwnerReferences().stream()
                        .filter(r -> !uid.equals(r.getUid()))
                        .anyMatch(r -> ownerState(dep.getMetadata().getNamespace(), r) == OwnerState.SOLID);
                if (otherSolidOwners) {
                    OwnerRefs.patch(client, dep, dep.getMetadata().getOwnerReferences().stream()
                            .filter(r -> !uid.equals(r.getUid())).toList());
                } else {
                    log.info("foreground deletion of {} {}: deleting dependent {} {}", owner.getKind(),
                            owner.getMetadata().getName(), dep.getKind(), dep.getMetadata().getName());
                    delete(dep, DeletionPropagation.FOREGROUND);
                }
            }
        }
        if (blocked) {
            controller.enqueueAfter(key, Duration.ofSeconds(2));
            return;
        }
        removeFinalizer(owner, FOREGROUND);
    }

    /** Orphan deletion: drop this owner from every dependent's ownerReferences, then let the owner go. */
    private void orphanDependents(HasMetadata owner) {
        String uid = owner.getMetadata().getUid();
        for (HasMetadata dep : dependentObjects(uid)) {
            log.info("orphaning {} {} of {} {}", dep.getKind(), dep.getMetadata().getName(), owner.getKind(),
                    owner.getMetadata().getName());
            try {
                OwnerRefs.patch(client, dep, dep.getMetadata().getOwnerReferences().stream()
                        .filter(r -> !uid.equals(r.getUid())).toList());
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
            }
        }
        removeFinalizer(owner, ORPHAN);
    }

    private void removeFinalizer(HasMetadata obj, String finalizer) {
        List<String> rest = new ArrayList<>(obj.getMetadata().getFinalizers());
        rest.remove(finalizer);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("resourceVersion", obj.getMetadata().getResourceVersion());
        metadata.put("finalizers", rest);
        try {
            client.resource(obj).patch(PatchContext.of(PatchType.JSON_MERGE),
                    client.getKubernetesSerialization().asJson(Map.of("metadata", metadata)));
            log.info("removed finalizer {} from {} {}/{}", finalizer, obj.getKind(), obj.getMetadata().getNamespace(),
                    obj.getMetadata().getName());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void delete(HasMetadata obj, DeletionPropagation policy) {
        try {
            client.resource(obj).withPropagationPolicy(policy).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static boolean hasFinalizer(HasMetadata obj, String finalizer) {
        return obj.getMetadata().getFinalizers() != null && obj.getMetadata().getFinalizers().contains(finalizer);
    }

    private static List<String> names(List<OwnerReference> refs) {
        return refs.stream().map(r -> r.getKind() + "/" + r.getName()).toList();
    }
}
