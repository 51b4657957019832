package dev.keelson.kubelet.volume;

import dev.keelson.componentbase.events.EventRecorder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keelson's built-in local-path provisioner ({@value #PROVISIONER}), one per node, inside the kubelet: the directory
 * of a volume has to be made and removed on the node that holds it, and only that node's agent can. For a claim the
 * PV controller handed to this provisioner ({@code volume.kubernetes.io/storage-provisioner}) whose pod the scheduler
 * put on this node ({@code volume.kubernetes.io/selected-node}), it makes {@code <root-dir>/storage/pvc-UID_NS_NAME}
 * (mode 0777, as k3s's) and then creates the PersistentVolume {@code pvc-UID} pre-bound to the claim: a hostPath
 * DirectoryOrCreate volume with required node affinity to this node, the class's reclaim policy and the claim's
 * request as capacity (recorded, not enforced). When such a volume is Released with reclaim policy Delete it removes
 * the directory, then the volume. Failures are events (ProvisioningFailed on the claim, VolumeFailedDelete on the
 * volume) and are retried; a directory whose volume could not be created is removed again.
 */
public final class LocalPathProvisioner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalPathProvisioner.class);
    public static final String PROVISIONER = "keelson.dev/local-path";
    static final String STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
    static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";
    static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
    private static final long RETRY_SECONDS = 5;

    private final KubernetesClient client;
    private final String nodeName;
    private final Path storageDir;
    private final EventRecorder events;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "local-path-provisioner");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();
    private SharedIndexInformer<PersistentVolumeClaim> claims;
    private SharedIndexInformer<PersistentVolume> volumes;

    public LocalPathProvisioner(KubernetesClient client, String nodeName, Path storageDir, EventRecorder events) {
        this.client = client;
        this.nodeName = nodeName;
        this.storageDir = storageDir.toAbsolutePath().normalize();
        this.events = events;
    }

    /** The directory of a claim's volume on this node. */
    Path directoryOf(PersistentVolumeClaim claim) {
        return storageDir.resolve("pvc-" + claim.getMetadata().getUid() + "_" + claim.getMetadata().getNamespace()
                + "_" + claim.getMetadata().getName());
    }

    public void start() {
        claims = client.persistentVolumeClaims().inAnyNamespace().inform(trigger(), 0);
        volumes = client.persistentVolumes().inform(trigger(), 0);
        loop.scheduleWithFixedDelay(this::reconcileSafely, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
        log.info("local-path provisioner for node {} keeps volumes under {}", nodeName, storageDir);
    }

    private <T extends HasMetadata> ResourceEventHandler<T> trigger() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                kick();
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                kick();
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                kick();
            }
        };
    }

    private void kick() {
        if (pending.compareAndSet(false, true)) {
            loop.execute(this::reconcileSafely);
        }
    }

    private void reconcileSafely() {
        pending.set(false);
        try {
            reconcile();
        } catch (RuntimeException e) {
            log.warn("local-path provisioner pass failed: {}", e.toString());
        }
    }

    void reconcile() {
        for (PersistentVolumeClaim claim : claims.getStore().list()) {
            if (wantsVolumeHere(claim) && volumes.getStore().getByKey(volumeName(claim)) == null) {
                provision(claim);
            }
        }
        for (PersistentVolume volume : volumes.getStore().list()) {
            if (isReleasedForDeletionHere(volume)) {
                delete(volume);
            }
        }
    }

    private boolean wantsVolumeHere(PersistentVolumeClaim claim) {
        Map<String, String> ann = claim.getMetadata().getAnnotations();
        return ann != null && PROVISIONER.equals(ann.get(STORAGE_PROVISIONER)) && nodeName.equals(ann.get(SELECTED_NODE))
                && claim.getMetadata().getDeletionTimestamp() == null
                && (claim.getSpec().getVolumeName() == null || claim.getSpec().getVolumeName().isEmpty());
    }

    private static String volumeName(PersistentVolumeClaim claim) {
        return "pvc-" + claim.getMetadata().getUid();
    }

    private void provision(PersistentVolumeClaim claim) {
        String key = claim.getMetadata().getNamespace() + "/" + claim.getMetadata().getName();
        String className = claim.getSpec().getStorageClassName();
        StorageClass cls = className == null ? null
                : client.storage().v1().storageClasses().withName(className).get();
        if (cls == null || !PROVISIONER.equals(cls.getProvisioner())) {
            return;
        }
        events.normal(claim, "Provisioning", "External provisioner is provisioning volume for claim \"" + key + "\"");
        Path dir = directoryOf(claim);
        boolean created = false;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                created = true;
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException | RuntimeException e) {
            events.warning(claim, "ProvisioningFailed", "failed to provision volume with StorageClass \""
                    + className + "\": failed to create volume directory " + dir + ": " + e);
            removeQuietly(dir, created);
            return;
        }
        PersistentVolume pv = new PersistentVolumeBuilder().withNewMetadata().withName(volumeName(claim))
                .addToAnnotations(PROVISIONED_BY, PROVISIONER).endMetadata()
                .withNewSpec().withCapacity(claim.getSpec().getResources().getRequests())
                .withAccessModes(claim.getSpec().getAccessModes()).withStorageClassName(className)
                .withPersistentVolumeReclaimPolicy(cls.getReclaimPolicy() == null ? "Delete" : cls.getReclaimPolicy())
                .withVolumeMode(claim.getSpec().getVolumeMode())
                .withNewClaimRef().withKind("PersistentVolumeClaim").withApiVersion("v1")
                .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName())
                .withUid(claim.getMetadata().getUid()).withResourceVersion(claim.getMetadata().getResourceVersion())
                .endClaimRef()
                .withNewHostPath().withPath(dir.toString()).withType("DirectoryOrCreate").endHostPath()
                .withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm().addNewMatchExpression()
                .withKey("kubernetes.io/hostname").withOperator("In").withValues(nodeName).endMatchExpression()
                .endNodeSelectorTerm().endRequired().endNodeAffinity()
                .endSpec().build();
        try {
            client.persistentVolumes().resource(pv).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return;
            }
            events.warning(claim, "ProvisioningFailed", "failed to provision volume with StorageClass \""
                    + className + "\": " + e.getMessage());
            removeQuietly(dir, created);
            return;
        }
        events.normal(claim, "ProvisioningSucceeded", "Successfully provisioned volume " + volumeName(claim));
        log.info("provisioned {} for claim {} at {}", volumeName(claim), key, dir);
    }

    private boolean isReleasedForDeletionHere(PersistentVolume volume) {
        Map<String, String> ann = volume.getMetadata().getAnnotations();
        return ann != null && PROVISIONER.equals(ann.get(PROVISIONED_BY)) && nodeName.equals(nodeOf(volume))
                && volume.getStatus() != null && "Released".equals(volume.getStatus().getPhase())
                && "Delete".equals(volume.getSpec().getPersistentVolumeReclaimPolicy())
                && volume.getMetadata().getDeletionTimestamp() == null;
    }

    /** The node of the volume's required node affinity (kubernetes.io/hostname In [node]), or null. */
    static String nodeOf(PersistentVolume volume) {
        if (volume.getSpec().getNodeAffinity() == null || volume.getSpec().getNodeAffinity().getRequired() == null) {
            return null;
        }
        for (NodeSelectorTerm term : volume.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms()) {
            for (NodeSelectorRequirement r : term.getMatchExpressions() == null
                    ? List.<NodeSelectorRequirement>of() : term.getMatchExpressions()) {
                if ("kubernetes.io/hostname".equals(r.getKey()) && "In".equals(r.getOperator())
                        && r.getValues() != null && r.getValues().size() == 1) {
                    return r.getValues().get(0);
                }
            }
        }
        return null;
    }

    private void delete(PersistentVolume volume) {
        String name = volume.getMetadata().getName();
        Path dir = volume.getSpec().getHostPath() == null ? null
                : Path.of(volume.getSpec().getHostPath().getPath()).toAbsolutePath().normalize();
        if (dir == null || !dir.getParent().equals(storageDir) || !dir.getFileName().toString().startsWith(name + "_")) {
            events.warning(volume, "VolumeFailedDelete", "refusing to delete " + dir + ": not a directory this "
                    + "provisioner made under " + storageDir);
            return;
        }
        try {
            removeTree(dir);
        } catch (IOException | RuntimeException e) {
            events.warning(volume, "VolumeFailedDelete", "failed to delete volume directory " + dir + ": " + e);
            return;
        }
        try {
            client.persistentVolumes().withName(name).delete();
            log.info("deleted volume {} and its directory {}", name, dir);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                events.warning(volume, "VolumeFailedDelete", e.getMessage());
            }
        }
    }

    private static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void removeQuietly(Path dir, boolean created) {
        if (!created) {
            return;
        }
        try {
            removeTree(dir);
        } catch (IOException e) {
            log.warn("cannot remove {} after a failed provisioning: {}", dir, e.getMessage());
        }
    }

    @Override
    public void close() {
        loop.shutdownNow();
        if (claims != null) {
            claims.stop();
        }
        if (volumes != null) {
            volumes.stop();
        }
    }
}
