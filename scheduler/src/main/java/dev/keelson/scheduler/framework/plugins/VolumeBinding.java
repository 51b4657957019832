package dev.keelson.scheduler.framework.plugins;

import dev.keelson.componentbase.storage.VolumeMatching;
import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.PreFilterPlugin;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Kubernetes' VolumeBinding plugin: a pod goes only where its claims' volumes can be. PreFilter refuses a pod whose
 * claim is missing, being deleted, or unbound in a class that binds at once ("pod has unbound immediate
 * PersistentVolumeClaims": the PV controller binds those). Filter keeps the nodes that a bound claim's volume node
 * affinity allows and on which each WaitForFirstConsumer claim finds a static volume or can be provisioned.
 * {@link #reserve} chooses, for the chosen node, which static volume each unbound claim takes (pre-binding it) or
 * names the node for the provisioner ({@code volume.kubernetes.io/selected-node}); the caller writes them.
 */
public final class VolumeBinding implements FilterPlugin, PreFilterPlugin {
    public static final String NAME = "VolumeBinding";
    public static final String UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";
    public static final String NODE_CONFLICT = "node(s) had volume node affinity conflict";
    public static final String BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
    public static final String PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
    private static final FilterResult NODE_CONFLICT_RESULT = FilterResult.reject(NAME, NODE_CONFLICT);
    private static final FilterResult BIND_CONFLICT_RESULT = FilterResult.reject(NAME, BIND_CONFLICT);
    private static final FilterResult PV_NOT_EXIST_RESULT = FilterResult.reject(NAME, PV_NOT_EXIST);
    private static final String NO_PROVISIONER = "kubernetes.io/no-provisioner";

    /** What the plugin reads: the scheduler's informer caches. */
    public interface Listers {
        PersistentVolumeClaim claim(String namespace, String name);

        PersistentVolume volume(String name);

        StorageClass storageClass(String name);

        Collection<PersistentVolume> volumes();
    }

    /** What {@link #reserve} decided for one claim: pre-bind {@code volume}, or provision on {@code node}. */
    public record Decision(PersistentVolumeClaim claim, PersistentVolume volume, String node) {
    }

    private final Listers listers;

    public VolumeBinding(Listers listers) {
        this.listers = listers;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The claim names of the pod's persistentVolumeClaim volumes. */
    public static List<String> claimNames(Pod pod) {
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

    /** PreFilter: null when the pod may be filtered node by node, else why no node can take it. */
    @Override
    public String preFilter(PodInfo pod) {
        String ns = pod.pod().getMetadata().getNamespace();
        for (String name : claimNames(pod.pod())) {
            PersistentVolumeClaim claim = listers.claim(ns, name);
            if (claim == null) {
                return "persistentvolumeclaim \"" + name + "\" not found";
            }
            if (claim.getMetadata().getDeletionTimestamp() != null) {
                return "persistentvolumeclaim \"" + name + "\" is being deleted";
            }
            if (!bound(claim) && !delayed(claim)) {
                return UNBOUND_IMMEDIATE;
            }
        }
        return null;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        List<String> names = claimNames(pod.pod());
        if (names.isEmpty()) {
            return null;
        }
        String ns = pod.pod().getMetadata().getNamespace();
        VolumeMatching.Node target = new VolumeMatching.Node(node.name(), node.labels());
        List<PersistentVolume> taken = new ArrayList<>();
        for (String name : names) {
            PersistentVolumeClaim claim = listers.claim(ns, name);
            if (claim == null) {
                return BIND_CONFLICT_RESULT;
            }
            if (bound(claim)) {
                PersistentVolume pv = listers.volume(claim.getSpec().getVolumeName());
                if (pv == null) {
                    return PV_NOT_EXIST_RESULT;
                }
                if (!VolumeMatching.nodeAffinityMatches(pv, target)) {
                    return NODE_CONFLICT_RESULT;
                }
            } else if (decide(claim, target, taken) == null) {
                return BIND_CONFLICT_RESULT;
            }
        }
        return null;
    }

    /** The writes that give the pod's unbound claims their volumes on {@code nodeName}; empty when all are bound. */
    public List<Decision> reserve(Pod pod, NodeInfo node) {
        List<Decision> out = new ArrayList<>();
        String ns = pod.getMetadata().getNamespace();
        VolumeMatching.Node target = new VolumeMatching.Node(node.name(), node.labels());
        List<PersistentVolume> taken = new ArrayList<>();
        for (String name : claimNames(pod)) {
            PersistentVolumeClaim claim = listers.claim(ns, name);
            if (claim == null || bound(claim)) {
                continue;
            }
            Decision d = decide(claim, target, taken);
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    /** A static volume for the claim on the node (not one another claim of this pod took), or provisioning there. */
    private Decision decide(PersistentVolumeClaim claim, VolumeMatching.Node node, List<PersistentVolume> taken) {
        List<PersistentVolume> candidates = new ArrayList<>(listers.volumes());
        candidates.removeAll(taken);
        Optional<PersistentVolume> match = VolumeMatching.findBestMatch(claim, candidates, node, true);
        if (match.isPresent()) {
            taken.add(match.get());
            return new Decision(claim, match.get(), null);
        }
        String selected = claim.getMetadata().getAnnotations() == null ? null
                : claim.getMetadata().getAnnotations().get(VolumeMatching.SELECTED_NODE);
        if (selected != null && !selected.equals(node.name())) {
            return null;
        }
        StorageClass cls = listers.storageClass(VolumeMatching.claimClass(claim));
        if (cls == null || cls.getProvisioner() == null || NO_PROVISIONER.equals(cls.getProvisioner())) {
            return null;
        }
        return new Decision(claim, null, node.name());
    }

    private static boolean bound(PersistentVolumeClaim claim) {
        return claim.getSpec() != null && claim.getSpec().getVolumeName() != null
                && !claim.getSpec().getVolumeName().isEmpty();
    }

    private boolean delayed(PersistentVolumeClaim claim) {
        String className = VolumeMatching.claimClass(claim);
        StorageClass cls = className.isEmpty() ? null : listers.storageClass(className);
        return cls != null && "WaitForFirstConsumer".equals(cls.getVolumeBindingMode());
    }
}
