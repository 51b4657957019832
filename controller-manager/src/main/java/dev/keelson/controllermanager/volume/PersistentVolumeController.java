package dev.keelson.controllermanager.volume;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.componentbase.storage.VolumeMatching;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatus;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' persistentvolume-binder controller (pkg/controller/volume/persistentvolume): binds each claim to the
 * smallest matching volume (or the one either side pre-binds), asks the class's provisioner for a volume when none
 * matches ({@code volume.kubernetes.io/storage-provisioner} and the ExternalProvisioning event: every provisioner is
 * external here, the built-in local-path one runs on the nodes), waits for the first consumer in
 * WaitForFirstConsumer classes until the scheduler names a node, keeps the phases of both sides (claims Pending,
 * Bound, Lost; volumes Available, Bound, Released, Failed) and reclaims released volumes: Retain keeps them,
 * Delete of a provisioned volume is its provisioner's job, anything else fails with an event.
 *
 * <p>Claims and volumes share one work queue, keyed {@code claim:NS/NAME} and {@code volume:NAME}; everything is
 * requeued every {@link #RESYNC} as kube-controller-manager's --pvclaimbinder-sync-period.
 */
public final class PersistentVolumeController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PersistentVolumeController.class);
    static final Duration RESYNC = Duration.ofSeconds(15);
    static final String BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
    static final String BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
    static final String STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    static final String BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
    static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    private static final String CLAIM = "claim:";
    private static final String VOLUME = "volume:";

    private final KubernetesClient client;
    private final SharedIndexInformer<PersistentVolume> volumes;
    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final SharedIndexInformer<StorageClass> classes;
    private final Controller controller;
    private final EventRecorder events;
    private final ScheduledExecutorService resync = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pv-controller-resync");
        t.setDaemon(true);
        return t;
    });

    public PersistentVolumeController(SharedInformers informers, MeterRegistry meters) {
        this.client = informers.client();
        this.volumes = informers.persistentVolumes();
        this.claims = informers.namespaced(PersistentVolumeClaim.class);
        this.classes = informers.storageClasses();
        this.controller = new Controller("persistentvolume-binder", this::sync, meters);
        this.events = EventRecorder.builder("persistentvolume-controller").aggregateRepeats().logEachEvent()
                .build(client);
        volumes.addEventHandler(controller.handler((PersistentVolume v) -> VOLUME + v.getMetadata().getName()));
        claims.addEventHandler(controller.handler((PersistentVolumeClaim c) -> CLAIM + Cache.metaNamespaceKeyFunc(c)));
        // a volume's change can unblock the claim it names (and a claim's the volume it names)
        volumes.addEventHandler(controller.handler(PersistentVolumeController::claimKeyOf));
        claims.addEventHandler(controller.handler((PersistentVolumeClaim c) -> c.getSpec() == null
                || c.getSpec().getVolumeName() == null || c.getSpec().getVolumeName().isEmpty() ? null
                : VOLUME + c.getSpec().getVolumeName()));
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(volumes, claims, classes), Duration.ofMinutes(2));
        long period = RESYNC.toMillis();
        resync.scheduleWithFixedDelay(this::requeueAll, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        resync.shutdownNow();
        controller.close();
        events.close();
    }

    private void requeueAll() {
        volumes.getStore().list().forEach(v -> controller.enqueue(VOLUME + v.getMetadata().getName()));
        claims.getStore().list().forEach(c -> controller.enqueue(CLAIM + Cache.metaNamespaceKeyFunc(c)));
    }

    private static String claimKeyOf(PersistentVolume v) {
        ObjectReference ref = v.getSpec() == null ? null : v.getSpec().getClaimRef();
        return ref == null || ref.getName() == null ? null : CLAIM + ref.getNamespace() + "/" + ref.getName();
    }

    void sync(String key) {
        if (key.startsWith(CLAIM)) {
            PersistentVolumeClaim claim = claims.getStore().getByKey(key.substring(CLAIM.length()));
            if (claim != null) {
                syncClaim(claim);
            }
        } else if (key.startsWith(VOLUME)) {
            PersistentVolume volume = volumes.getStore().getByKey(key.substring(VOLUME.length()));
            if (volume != null) {
                syncVolume(volume);
            }
        }
    }

    // ------------------------------------------------------------------ claims

    private void syncClaim(PersistentVolumeClaim claim) {
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty()) {
            syncUnboundClaim(claim);
        } else {
            syncBoundClaim(claim, volumeName);
        }
    }

    private void syncUnboundClaim(PersistentVolumeClaim claim) {
        String className = VolumeMatching.claimClass(claim);
        StorageClass cls = className.isEmpty() ? null : classes.getStore().getByKey(className);
        boolean delay = cls != null && "WaitForFirstConsumer".equals(cls.getVolumeBindingMode());
        boolean nodeSelected = annotation(claim, VolumeMatching.SELECTED_NODE) != null;
        Optional<PersistentVolume> match = VolumeMatching.findBestMatch(claim, volumes.getStore().list(), null, delay);
        if (match.isPresent()) {
            bind(match.get(), claim);
            return;
        }
        if (delay && !nodeSelected) {
            events.normal(claim, "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
        } else if (className.isEmpty()) {
            events.normal(claim, "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set");
        } else if (cls == null) {
            events.warning(claim, "ProvisioningFailed", "storageclass.storage.k8s.io \"" + className + "\" not found");
        } else {
            askProvisioner(claim, cls.getProvisioner());
        }
        claimPhase(claim, "Pending");
    }

    /** The claim is annotated for its class's provisioner, which creates a volume pre-bound to it. */
    private void askProvisioner(PersistentVolumeClaim claim, String provisioner) {
        if (!provisioner.equals(annotation(claim, STORAGE_PROVISIONER))
                || !provisioner.equals(annotation(claim, BETA_STORAGE_PROVISIONER))) {
            PersistentVolumeClaim copy = client.getKubernetesSerialization().clone(claim);
            annotations(copy).put(STORAGE_PROVISIONER, provisioner);
            annotations(copy).put(BETA_STORAGE_PROVISIONER, provisioner);
            client.persistentVolumeClaims().inNamespace(ns(claim)).resource(copy).update();
        }
        events.normal(claim, "ExternalProvisioning", "Waiting for a volume to be created either by the external "
                + "provisioner '" + provisioner + "' or manually by the system administrator. If volume creation is "
                + "delayed, please verify that the provisioner is running and correctly registered.");
    }

    private void syncBoundClaim(PersistentVolumeClaim claim, String volumeName) {
        PersistentVolume volume = volumes.getStore().getByKey(volumeName);
        boolean completed = annotation(claim, BIND_COMPLETED) != null;
        if (volume == null) {
            if (completed) {
                if (claimPhase(claim, "Lost")) {
                    events.warning(claim, "ClaimLost",
                            "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
                }
            } else {
                claimPhase(claim, "Pending");
            }
            return;
        }
        if (volume.getSpec().getClaimRef() == null) {
            String mismatch = mismatch(volume, claim);
            if (mismatch != null) {
                events.warning(claim, "VolumeMismatch", "Cannot bind to requested volume \"" + volumeName + "\": "
                        + mismatch);
                claimPhase(claim, "Pending");
                return;
            }
            bind(volume, claim);
        } else if (VolumeMatching.isBoundToClaim(volume, claim)) {
            bind(volume, claim);
        } else if (completed) {
            if (claimPhase(claim, "Lost")) {
                events.warning(claim, "ClaimMisbound",
                        "Two claims are bound to the same volume, this one is bound incorrectly");
            }
        } else {
            events.warning(claim, "FailedBinding", "volume \"" + volumeName + "\" already bound to a different claim.");
            claimPhase(claim, "Pending");
        }
    }

    /** checkVolumeSatisfyClaim's reasons, for a claim that names its volume. */
    private static String mismatch(PersistentVolume volume, PersistentVolumeClaim claim) {
        if (VolumeMatching.capacity(volume).compareTo(VolumeMatching.request(claim)) < 0) {
            return "requested PV is too small";
        }
        if (!VolumeMatching.claimClass(claim).equals(VolumeMatching.volumeClass(volume))) {
            return "storageClassName does not match";
        }
        if (!VolumeMatching.accessModesContained(volume, claim)) {
            return "incompatible accessMode";
        }
        return null;
    }

    /**
     * Binds both sides in Kubernetes' order, each write only when needed: the volume's claimRef, the volume's Bound
     * phase, the claim's volumeName with its annotations, then the claim's Bound status with the volume's access modes
     * and capacity. A conflict (a stale cache) fails the sync, which is retried.
     */
    private void bind(PersistentVolume volume, PersistentVolumeClaim claim) {
        PersistentVolume v = volume;
        ObjectReference ref = v.getSpec().getClaimRef();
        if (ref == null || !Objects.equals(ref.getUid(), claim.getMetadata().getUid())) {
            v = client.getKubernetesSerialization().clone(v);
            if (ref == null) {
                annotations(v).put(BOUND_BY_CONTROLLER, "yes");
            }
            v.getSpec().setClaimRef(new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1")
                    .withNamespace(ns(claim)).withName(claim.getMetadata().getName())
                    .withUid(claim.getMetadata().getUid())
                    .withResourceVersion(claim.getMetadata().getResourceVersion()).build());
            v = client.persistentVolumes().resource(v).update();
        }
        if (!"Bound".equals(phase(v))) {
            v = volumePhase(v, "Bound", null);
        }
        PersistentVolumeClaim c = claim;
        String volumeName = v.getMetadata().getName();
        if (!volumeName.equals(c.getSpec().getVolumeName()) || annotation(c, BIND_COMPLETED) == null) {
            c = client.getKubernetesSerialization().clone(c);
            if (c.getSpec().getVolumeName() == null || c.getSpec().getVolumeName().isEmpty()) {
                annotations(c).put(BOUND_BY_CONTROLLER, "yes");
            }
            c.getSpec().setVolumeName(volumeName);
            annotations(c).put(BIND_COMPLETED, "yes");
            c = client.persistentVolumeClaims().inNamespace(ns(c)).resource(c).update();
        }
        PersistentVolumeClaimStatus status = c.getStatus();
        boolean same = status != null && "Bound".equals(status.getPhase())
                && Objects.equals(status.getAccessModes(), v.getSpec().getAccessModes())
                && Objects.equals(status.getCapacity(), v.getSpec().getCapacity());
        if (!same) {
            c = client.getKubernetesSerialization().clone(c);
            if (c.getStatus() == null) {
                c.setStatus(new PersistentVolumeClaimStatus());
            }
            c.getStatus().setPhase("Bound");
            c.getStatus().setAccessModes(v.getSpec().getAccessModes());
            c.getStatus().setCapacity(v.getSpec().getCapacity());
            client.persistentVolumeClaims().inNamespace(ns(c)).resource(c).updateStatus();
            log.info("claim {}/{} bound to volume {}", ns(c), c.getMetadata().getName(), volumeName);
        }
    }

    /** Sets the claim's phase; true when it changed. */
    private boolean claimPhase(PersistentVolumeClaim claim, String phase) {
        if (claim.getStatus() != null && phase.equals(claim.getStatus().getPhase())) {
            return false;
        }
        PersistentVolumeClaim c = client.getKubernetesSerialization().clone(claim);
        if (c.getStatus() == null) {
            c.setStatus(new PersistentVolumeClaimStatus());
        }
        c.getStatus().setPhase(phase);
        client.persistentVolumeClaims().inNamespace(ns(c)).resource(c).updateStatus();
        return true;
    }

    // ------------------------------------------------------------------ volumes

    private void syncVolume(PersistentVolume volume) {
        ObjectReference ref = volume.getSpec().getClaimRef();
        if (ref == null || ref.getUid() == null || ref.getUid().isEmpty()) {
            if (!"Available".equals(phase(volume)) && !"Failed".equals(phase(volume))) {
                volumePhase(volume, "Available", null);
            }
            return;
        }
        PersistentVolumeClaim claim = claims.getStore().getByKey(ref.getNamespace() + "/" + ref.getName());
        if (claim == null) {
            // the cache may lag behind a claim that was just created: ask the apiserver before releasing
            claim = client.persistentVolumeClaims().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
        }
        if (claim != null && !ref.getUid().equals(claim.getMetadata().getUid())) {
            claim = null;
        }
        if (claim == null) {
            if (!"Released".equals(phase(volume)) && !"Failed".equals(phase(volume))) {
                volume = volumePhase(volume, "Released", null);
            }
            if ("Released".equals(phase(volume))) {
                reclaim(volume);
            }
            return;
        }
        String claimVolume = claim.getSpec().getVolumeName();
        if (claimVolume == null || claimVolume.isEmpty()) {
            controller.enqueue(CLAIM + Cache.metaNamespaceKeyFunc(claim));
        } else if (claimVolume.equals(volume.getMetadata().getName())) {
            if (!"Bound".equals(phase(volume))) {
                volumePhase(volume, "Bound", null);
            }
        } else if ("yes".equals(annotation(volume, BOUND_BY_CONTROLLER))) {
            // the claim went to another volume: give this one back
            PersistentVolume v = client.getKubernetesSerialization().clone(volume);
            v.getSpec().setClaimRef(null);
            annotations(v).remove(BOUND_BY_CONTROLLER);
            v = client.persistentVolumes().resource(v).update();
            volumePhase(v, "Available", null);
        } else if (!"Available".equals(phase(volume))) {
            volumePhase(volume, "Available", null);
        }
    }

    /** Retain keeps the volume; Delete of a provisioned volume is its provisioner's; anything else fails. */
    private void reclaim(PersistentVolume volume) {
        String policy = volume.getSpec().getPersistentVolumeReclaimPolicy();
        if (policy == null || policy.equals("Retain")) {
            return;
        }
        if (policy.equals("Delete")) {
            if (annotation(volume, PROVISIONED_BY) != null) {
                return;
            }
            String message = "error getting deleter volume plugin for volume \"" + volume.getMetadata().getName()
                    + "\": no deletable volume plugin matched";
            events.warning(volume, "VolumeFailedDelete", message);
            volumePhase(volume, "Failed", message);
        } else {
            String message = "No recycler plugin found for the volume!";
            events.warning(volume, "VolumeFailedRecycle", message);
            volumePhase(volume, "Failed", message);
        }
    }

    private PersistentVolume volumePhase(PersistentVolume volume, String phase, String message) {
        PersistentVolume v = client.getKubernetesSerialization().clone(volume);
        if (v.getStatus() == null) {
            v.setStatus(new PersistentVolumeStatus());
        }
        v.getStatus().setPhase(phase);
        v.getStatus().setMessage(message);
        try {
            return client.persistentVolumes().resource(v).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return volume;
            }
            throw e;
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String phase(PersistentVolume v) {
        return v.getStatus() == null ? null : v.getStatus().getPhase();
    }

    private static String ns(PersistentVolumeClaim c) {
        return c.getMetadata().getNamespace();
    }

    static String annotation(io.fabric8.kubernetes.api.model.HasMetadata o, String key) {
        Map<String, String> ann = o.getMetadata().getAnnotations();
        return ann == null ? null : ann.get(key);
    }

    private static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata o) {
        if (o.getMetadata().getAnnotations() == null) {
            o.getMetadata().setAnnotations(new HashMap<>());
        }
        return o.getMetadata().getAnnotations();
    }
}
