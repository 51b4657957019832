package dev.keelson.kubelet.volume;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The host directory behind a pod's persistentVolumeClaim volume: the bound PersistentVolume's hostPath (with its
 * type checks) or local path, bind-mounted into the containers. A claim that is not bound yet, or a volume this
 * kubelet cannot mount, is a {@link VolumeMountException} with Kubernetes' words, so the pod waits in
 * ContainerCreating and says why.
 */
public final class ClaimVolumes {
    private final BiFunction<String, String, PersistentVolumeClaim> claims;
    private final Function<String, PersistentVolume> volumes;

    /** Lookups return null when the object does not exist. */
    public ClaimVolumes(BiFunction<String, String, PersistentVolumeClaim> claims,
                        Function<String, PersistentVolume> volumes) {
        this.claims = claims;
        this.volumes = volumes;
    }

    public Path hostPath(Pod pod, Volume v) throws IOException {
        String ns = pod.getMetadata().getNamespace();
        String claimName = v.getPersistentVolumeClaim().getClaimName();
        String prefix = "Unable to attach or mount volumes: unmounted volumes=[" + v.getName()
                + "], unattached volumes=[], failed to process volumes=[" + v.getName() + "]: ";
        PersistentVolumeClaim claim = claims.apply(ns, claimName);
        if (claim == null) {
            throw new VolumeMountException(prefix + "error processing PVC " + ns + "/" + claimName
                    + ": failed to fetch PVC from API server: persistentvolumeclaims \"" + claimName + "\" not found");
        }
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName == null || volumeName.isEmpty() || claim.getStatus() == null
                || !"Bound".equals(claim.getStatus().getPhase())) {
            throw new VolumeMountException(prefix + "error processing PVC " + ns + "/" + claimName
                    + ": PVC is not bound");
        }
        PersistentVolume pv = volumes.apply(volumeName);
        if (pv == null) {
            throw new VolumeMountException(prefix + "error processing PVC " + ns + "/" + claimName
                    + ": failed to fetch PV " + volumeName + " from API server: persistentvolumes \"" + volumeName
                    + "\" not found");
        }
        if (pv.getSpec().getClaimRef() == null
                || !claim.getMetadata().getUid().equals(pv.getSpec().getClaimRef().getUid())) {
            throw new VolumeMountException(prefix + "error processing PVC " + ns + "/" + claimName
                    + ": the PV " + volumeName + " is not bound to this claim");
        }
        String setUp = "MountVolume.SetUp failed for volume \"" + volumeName + "\" : ";
        if (pv.getSpec().getHostPath() != null) {
            Path path = Path.of(pv.getSpec().getHostPath().getPath());
            try {
                HostPathType.check(path, pv.getSpec().getHostPath().getType());
            } catch (VolumeMountException e) {
                throw new VolumeMountException(setUp + e.getMessage());
            }
            return path;
        }
        if (pv.getSpec().getLocal() != null) {
            Path path = Path.of(pv.getSpec().getLocal().getPath());
            if (!Files.exists(path)) {
                throw new VolumeMountException("MountVolume.NewMounter initialization failed for volume \""
                        + volumeName + "\" : path \"" + path + "\" does not exist");
            }
            return path;
        }
        throw new VolumeMountException(setUp + "this kubelet mounts only hostPath and local volumes");
    }
}
