package dev.keelson.controllermanager.volume;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' pvc-protection controller: a claim being deleted keeps its {@code kubernetes.io/pvc-protection}
 * finalizer while a pod that has not terminated uses it (checked in the cache, then confirmed with a live list of the
 * namespace's pods, as Kubernetes does, so a pod the cache has not seen yet still protects it).
 */
public final class PvcProtectionController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PvcProtectionController.class);
    static final String FINALIZER = "kubernetes.io/pvc-protection";

    private final KubernetesClient client;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final SharedIndexInformer<Pod> pods;
    private final Controller controller;

    public PvcProtectionController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.claims = informers.namespaced(PersistentVolumeClaim.class);
        this.pods = informers.pods();
        this.controller = new Controller("pvc-protection", this::sync, meters);
        claims.addEventHandler(controller.handler());
        pods.addEventHandler(new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueClaimsOf(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                enqueueClaimsOf(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                enqueueClaimsOf(pod);
            }
        });
    }

    public void run() throws InterruptedException {
        controller.run(1, List.of(claims, pods), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    private void enqueueClaimsOf(Pod pod) {
        for (String claim : claimNames(pod)) {
            controller.enqueue(pod.getMetadata().getNamespace() + "/" + claim);
        }
    }

    static List<String> claimNames(Pod pod) {
        List<String> out = new ArrayList<>();
        if (pod.getSpec() == null || pod.getSpec().getVolumes() == null) {
            return out;
        }
        for (Volume v : pod.getSpec().getVolumes()) {
            if (v.getPersistentVolumeClaim() != null && v.getPersistentVolumeClaim().getClaimName() != null) {
                out.add(v.getPersistentVolumeClaim().getClaimName());
            }
        }
        return out;
    }

    private void sync(String key) {
        PersistentVolumeClaim claim = claims.getStore().getByKey(key);
        if (claim == null || claim.getMetadata().getDeletionTimestamp() == null
                || claim.getMetadata().getFinalizers() == null
                || !claim.getMetadata().getFinalizers().contains(FINALIZER)) {
            return;
        }
        String ns = claim.getMetadata().getNamespace();
        String name = claim.getMetadata().getName();
        if (usedBy(pods.getStore().list(), ns, name)
                || usedBy(client.pods().inNamespace(ns).list().getItems(), ns, name)) {
            log.debug("claim {} is in use; keeping its protection", key);
            return;
        }
        PersistentVolumeClaim copy = client.getKubernetesSerialization().clone(claim);
        copy.getMetadata().getFinalizers().remove(FINALIZER);
        try {
            client.persistentVolumeClaims().inNamespace(ns).resource(copy).update();
            log.info("claim {} is no longer used by a pod: removed {}", key, FINALIZER);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** Whether a pod of the namespace that has not terminated uses the claim. */
    static boolean usedBy(List<Pod> pods, String ns, String claim) {
        for (Pod pod : pods) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if (ns.equals(pod.getMetadata().getNamespace()) && !"Succeeded".equals(phase) && !"Failed".equals(phase)
                    && claimNames(pod).contains(claim)) {
                return true;
            }
        }
        return false;
    }
}
