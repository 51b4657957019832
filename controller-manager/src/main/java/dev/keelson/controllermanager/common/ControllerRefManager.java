package dev.keelson.controllermanager.common;

import dev.keelson.componentbase.api.LabelSelector;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' ControllerRefManager: decides which of the candidate objects (pods, ReplicaSets, revisions) a
 * controller owns. An object it controls that still matches is claimed; one that stopped matching is released; a
 * matching orphan is adopted. Adoption must not race with the owner's deletion, so before the first adoption of a
 * sync the owner is re-read from the apiserver (not the cache): if it is gone, has another UID or is being deleted,
 * nothing is adopted. Objects controlled by someone else are left alone. One manager serves one sync.
 *
 * @param <T> the kind of the candidates
 */
public final class ControllerRefManager<T extends HasMetadata> {
    private static final Logger log = LoggerFactory.getLogger(ControllerRefManager.class);

    private final KubernetesClient client;
    private final HasMetadata owner;
    private final Predicate<Map<String, String>> selector;
    private final Supplier<HasMetadata> liveOwner;
    private Boolean canAdopt;

    /**
     * @param owner the controller object (with apiVersion and kind set, as informers deliver them)
     * @param selector whether an object's labels select it
     * @param liveOwner reads the owner from the apiserver (null if absent); called at most once, before adopting
     */
    public ControllerRefManager(KubernetesClient client, HasMetadata owner, Predicate<Map<String, String>> selector,
                                Supplier<HasMetadata> liveOwner) {
        this.client = client;
        this.owner = owner;
        this.selector = selector;
        this.liveOwner = liveOwner;
    }

    /** A manager for a controller with a label selector (forController semantics: an empty selector selects nothing). */
    public static <T extends HasMetadata> ControllerRefManager<T> forSelector(KubernetesClient client, HasMetadata owner,
            io.fabric8.kubernetes.api.model.LabelSelector selector, Supplier<HasMetadata> liveOwner) {
        LabelSelector s = LabelSelector.forController(selector);
        return new ControllerRefManager<>(client, owner, s::matches, liveOwner);
    }

    /** A live check that reads {@code owner} again through {@code client.resource(owner)}. */
    public static Supplier<HasMetadata> liveRead(KubernetesClient client, HasMetadata owner) {
        return () -> client.resource(owner).get();
    }

    /** The candidates this owner controls after adopting matching orphans and releasing owned ones that no longer match. */
    public List<T> claim(Iterable<T> candidates) {
        List<T> claimed = new ArrayList<>();
        boolean ownerDeleting = owner.getMetadata().getDeletionTimestamp() != null;
        String uid = owner.getMetadata().getUid();
        for (T obj : candidates) {
            Optional<OwnerReference> ref = Pods.controllerOf(obj);
            boolean matches = selector.test(obj.getMetadata().getLabels() == null ? Map.of() : obj.getMetadata().getLabels());
            boolean objDeleting = obj.getMetadata().getDeletionTimestamp() != null;
            if (ref.isPresent()) {
                if (!uid.equals(ref.get().getUid())) {
                    continue;
                }
                if (matches) {
                    claimed.add(obj);
                } else if (!ownerDeleting && !objDeleting) {
                    release(obj);
                }
                continue;
            }
            if (!matches || ownerDeleting || objDeleting) {
                continue;
            }
            if (canAdopt() && adopt(obj)) {
                claimed.add(obj);
            }
        }
        return claimed;
    }

    /** Kubernetes' RecheckDeletionTimestamp: the live owner exists with the same UID and is not being deleted. */
    private boolean canAdopt() {
        if (canAdopt == null) {
            try {
                HasMetadata live = liveOwner.get();
                canAdopt = live != null && owner.getMetadata().getUid().equals(live.getMetadata().getUid())
                        && live.getMetadata().getDeletionTimestamp() == null;
            } catch (KubernetesClientException e) {
                log.info("cannot re-read {} {}/{} before adopting: {}", owner.getKind(),
                        owner.getMetadata().getNamespace(), owner.getMetadata().getName(), e.getMessage());
                canAdopt = false;
            }
        }
        return canAdopt;
    }

    private boolean adopt(T obj) {
        List<OwnerReference> refs = obj.getMetadata().getOwnerReferences() == null
                ? new ArrayList<>() : new ArrayList<>(obj.getMetadata().getOwnerReferences());
        refs.add(Pods.controllerRef(owner));
        try {
            OwnerRefs.patch(client, obj, refs);
            log.info("{} {}/{} adopted {} {}", owner.getKind(), owner.getMetadata().getNamespace(),
                    owner.getMetadata().getName(), obj.getKind(), obj.getMetadata().getName());
            return true;
        } catch (KubernetesClientException e) {
            log.info("cannot adopt {} {}: {}", obj.getKind(), obj.getMetadata().getName(), e.getMessage());
            return false;
        }
    }

    private void release(T obj) {
        List<OwnerReference> refs = new ArrayList<>(obj.getMetadata().getOwnerReferences());
        refs.removeIf(r -> owner.getMetadata().getUid().equals(r.getUid()));
        try {
            OwnerRefs.patch(client, obj, refs);
            log.info("{} {}/{} released {} {}", owner.getKind(), owner.getMetadata().getNamespace(),
                    owner.getMetadata().getName(), obj.getKind(), obj.getMetadata().getName());
        } catch (KubernetesClientException e) {
            // gone already, or changed under us: the next sync sees the fresh object
            if (e.getCode() != 404) {
                log.info("cannot release {} {}: {}", obj.getKind(), obj.getMetadata().getName(), e.getMessage());
            }
        }
    }
}
