package dev.keelson.scheduler;

import dev.keelson.componentbase.storage.VolumeMatching;
import dev.keelson.scheduler.framework.plugins.VolumeBinding;
import dev.keelson.scheduler.queue.SchedulingQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;

/**
 * The claims, volumes and classes the VolumeBinding plugin reads, from informers; any change to them sends
 * unschedulable pods back for another attempt (a claim got bound, a volume appeared). Also writes what the plugin
 * reserved for a pod: a static volume pre-bound to its claim, or the selected node on a claim to provision.
 */
final class VolumeInformers implements VolumeBinding.Listers, AutoCloseable {
    private final KubernetesClient client;
    private volatile SharedIndexInformer<PersistentVolumeClaim> claims;
    private volatile SharedIndexInformer<PersistentVolume> volumes;
    private volatile SharedIndexInformer<StorageClass> classes;

    VolumeInformers(KubernetesClient client) {
        this.client = client;
    }

    void start(SchedulingQueue queue) {
        claims = client.persistentVolumeClaims().inAnyNamespace().inform(retry(queue), 0);
        volumes = client.persistentVolumes().inform(retry(queue), 0);
        classes = client.storage().v1().storageClasses().inform(retry(queue), 0);
    }

    boolean running() {
        return claims != null && claims.isRunning() && volumes.isRunning() && classes.isRunning();
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> retry(SchedulingQueue queue) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                queue.moveAllToActiveOrBackoff();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (!oldObj.getMetadata().getResourceVersion().equals(newObj.getMetadata().getResourceVersion())) {
                    queue.moveAllToActiveOrBackoff();
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                queue.moveAllToActiveOrBackoff();
            }
        };
    }

    @Override
    public PersistentVolumeClaim claim(String namespace, String name) {
        return claims == null ? null : claims.getStore().getByKey(namespace + "/" + name);
    }

    @Override
    public PersistentVolume volume(String name) {
        return volumes == null ? null : volumes.getStore().getByKey(name);
    }

    @Override
    public StorageClass storageClass(String name) {
        return classes == null || name.isEmpty() ? null : classes.getStore().getByKey(name);
    }

    @Override
    public Collection<PersistentVolume> volumes() {
        return volumes == null ? List.of() : volumes.getStore().list();
    }

    /** Writes the decisions (Kubernetes' BindPodVolumes API updates); a conflict throws and the pod is retried. */
    void apply(List<VolumeBinding.Decision> decisions) {
        for (VolumeBinding.Decision d : decisions) {
            PersistentVolumeClaim claim = d.claim();
            if (d.volume() != null) {
                PersistentVolume pv = client.getKubernetesSerialization().clone(d.volume());
                if (pv.getMetadata().getAnnotations() == null) {
                    pv.getMetadata().setAnnotations(new HashMap<>());
                }
                pv.getMetadata().getAnnotations().put("pv.kubernetes.io/bound-by-controller", "yes");
                pv.getSpec().setClaimRef(new ObjectReferenceBuilder().withKind("PersistentVolumeClaim")
                        .withApiVersion("v1").withNamespace(claim.getMetadata().getNamespace())
                        .withName(claim.getMetadata().getName()).withUid(claim.getMetadata().getUid())
                        .withResourceVersion(claim.getMetadata().getResourceVersion()).build());
                client.persistentVolumes().resource(pv).update();
            } else {
                PersistentVolumeClaim c = client.getKubernetesSerialization().clone(claim);
                if (c.getMetadata().getAnnotations() == null) {
                    c.getMetadata().setAnnotations(new HashMap<>());
                }
                if (d.node().equals(c.getMetadata().getAnnotations().get(VolumeMatching.SELECTED_NODE))) {
                    continue;
                }
                c.getMetadata().getAnnotations().put(VolumeMatching.SELECTED_NODE, d.node());
                client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace()).resource(c).update();
            }
        }
    }

    @Override
    public void close() {
        for (SharedIndexInformer<?> i : new SharedIndexInformer<?>[] {claims, volumes, classes}) {
            if (i != null) {
                i.stop();
            }
        }
    }
}
