package dev.keelson.componentbase.storage;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Quantities;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Which PersistentVolume a claim may bind, as Kubernetes' volume util FindMatchingVolume decides it for both the PV
 * controller (no node) and the scheduler's VolumeBinding plugin (a candidate node): a volume pre-bound to the claim
 * wins if it fits; otherwise the smallest Available, unclaimed volume of the claim's class and volume mode whose
 * labels match the claim's selector, whose access modes include the claim's and whose capacity covers the request.
 * In delayed (WaitForFirstConsumer) binding without a node only pre-bound volumes are considered.
 */
public final class VolumeMatching {
    public static final String BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";
    public static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";

    private VolumeMatching() {
    }

    /** A node as the matcher sees it: its name and labels. */
    public record Node(String name, Map<String, String> labels) {
    }

    /** GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "". */
    public static String claimClass(PersistentVolumeClaim claim) {
        Map<String, String> ann = claim.getMetadata().getAnnotations();
        if (ann != null && ann.containsKey(BETA_CLASS_ANNOTATION)) {
            return ann.get(BETA_CLASS_ANNOTATION);
        }
        String cls = claim.getSpec() == null ? null : claim.getSpec().getStorageClassName();
        return cls == null ? "" : cls;
    }

    /** GetPersistentVolumeClass. */
    public static String volumeClass(PersistentVolume volume) {
        Map<String, String> ann = volume.getMetadata().getAnnotations();
        if (ann != null && ann.containsKey(BETA_CLASS_ANNOTATION)) {
            return ann.get(BETA_CLASS_ANNOTATION);
        }
        String cls = volume.getSpec() == null ? null : volume.getSpec().getStorageClassName();
        return cls == null ? "" : cls;
    }

    /** The claim's storage request in bytes (0 when absent or malformed). */
    public static BigDecimal request(PersistentVolumeClaim claim) {
        if (claim.getSpec() == null || claim.getSpec().getResources() == null
                || claim.getSpec().getResources().getRequests() == null) {
            return BigDecimal.ZERO;
        }
        return bytes(claim.getSpec().getResources().getRequests().get("storage"));
    }

    /** The volume's capacity in bytes (0 when absent or malformed). */
    public static BigDecimal capacity(PersistentVolume volume) {
        if (volume.getSpec() == null || volume.getSpec().getCapacity() == null) {
            return BigDecimal.ZERO;
        }
        return bytes(volume.getSpec().getCapacity().get("storage"));
    }

    private static BigDecimal bytes(Quantity q) {
        if (q == null) {
            return BigDecimal.ZERO;
        }
        return Quantities.tryParse(q.toString()).map(Quantities.Quantity::value).orElse(BigDecimal.ZERO);
    }

    /** IsVolumeBoundToClaim: the volume's claimRef names the claim (and its UID, when the reference has one). */
    public static boolean isBoundToClaim(PersistentVolume volume, PersistentVolumeClaim claim) {
        ObjectReference ref = volume.getSpec() == null ? null : volume.getSpec().getClaimRef();
        if (ref == null) {
            return false;
        }
        return Objects.equals(ref.getName(), claim.getMetadata().getName())
                && Objects.equals(ref.getNamespace(), claim.getMetadata().getNamespace())
                && (ref.getUid() == null || ref.getUid().isEmpty()
                || ref.getUid().equals(claim.getMetadata().getUid()));
    }

    /** CheckNodeAffinity: true when the volume has no required node affinity or one of its terms matches the node. */
    public static boolean nodeAffinityMatches(PersistentVolume volume, Node node) {
        if (volume.getSpec() == null || volume.getSpec().getNodeAffinity() == null
                || volume.getSpec().getNodeAffinity().getRequired() == null) {
            return true;
        }
        List<NodeSelectorTerm> terms = volume.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms();
        if (terms == null) {
            return true;
        }
        for (NodeSelectorTerm term : terms) {
            boolean hasExpressions = term.getMatchExpressions() != null && !term.getMatchExpressions().isEmpty();
            boolean hasFields = term.getMatchFields() != null && !term.getMatchFields().isEmpty();
            if (!hasExpressions && !hasFields) {
                continue;
            }
            boolean labels = !hasExpressions || LabelSelector.ofNodeSelectorRequirements(term.getMatchExpressions())
                    .matches(node.labels() == null ? Map.of() : node.labels());
            boolean fields = !hasFields || term.getMatchFields().stream().allMatch(r -> "metadata.name"
                    .equals(r.getKey())) && LabelSelector.ofNodeSelectorRequirements(term.getMatchFields())
                    .matches(Map.of("metadata.name", node.name()));
            if (labels && fields) {
                return true;
            }
        }
        return false;
    }

    /** FindMatchingVolume; {@code node} null in the PV controller. */
    public static Optional<PersistentVolume> findBestMatch(PersistentVolumeClaim claim,
                                                           Collection<PersistentVolume> volumes, Node node,
                                                           boolean delayBinding) {
        BigDecimal requested = request(claim);
        String requestedClass = claimClass(claim);
        LabelSelector selector = claim.getSpec().getSelector() == null ? LabelSelector.everything()
                : LabelSelector.of(claim.getSpec().getSelector());
        PersistentVolume smallest = null;
        BigDecimal smallestSize = null;
        for (PersistentVolume volume : volumes) {
            if (volume.getMetadata().getDeletionTimestamp() != null || !sameVolumeMode(volume, claim)) {
                continue;
            }
            BigDecimal size = capacity(volume);
            if (isBoundToClaim(volume, claim)) {
                if (size.compareTo(requested) < 0 || !requestedClass.equals(volumeClass(volume))
                        || node != null && !nodeAffinityMatches(volume, node)) {
                    continue;
                }
                return Optional.of(volume);
            }
            if (node == null && delayBinding) {
                continue;
            }
            String phase = volume.getStatus() == null ? null : volume.getStatus().getPhase();
            if (!"Available".equals(phase) || volume.getSpec().getClaimRef() != null) {
                continue;
            }
            Map<String, String> labels = volume.getMetadata().getLabels();
            if (!selector.matches(labels == null ? Map.of() : labels)
                    || !requestedClass.equals(volumeClass(volume))
                    || node != null && !nodeAffinityMatches(volume, node)
                    || !accessModesContained(volume, claim)) {
                continue;
            }
            if (size.compareTo(requested) >= 0 && (smallestSize == null || size.compareTo(smallestSize) < 0)) {
                smallest = volume;
                smallestSize = size;
            }
        }
        return Optional.ofNullable(smallest);
    }

    private static boolean sameVolumeMode(PersistentVolume volume, PersistentVolumeClaim claim) {
        String v = volume.getSpec().getVolumeMode() == null ? "Filesystem" : volume.getSpec().getVolumeMode();
        String c = claim.getSpec().getVolumeMode() == null ? "Filesystem" : claim.getSpec().getVolumeMode();
        return v.equals(c);
    }

    /** CheckAccessModes: every mode the claim asks for is one the volume has. */
    public static boolean accessModesContained(PersistentVolume volume, PersistentVolumeClaim claim) {
        List<String> have = volume.getSpec().getAccessModes() == null ? List.of() : volume.getSpec().getAccessModes();
        List<String> want = claim.getSpec().getAccessModes() == null ? List.of() : claim.getSpec().getAccessModes();
        return have.containsAll(want);
    }
}
