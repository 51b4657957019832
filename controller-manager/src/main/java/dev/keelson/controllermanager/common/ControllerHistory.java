package dev.keelson.controllermanager.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ControllerRevision history as Kubernetes' pkg/controller/history keeps it for DaemonSets and StatefulSets: a
 * revision holds a snapshot of the parent's template ({@code data}), is named {@code PARENT-HASH} and labelled
 * {@code controller-revision-hash=HASH}, where HASH is Kubernetes' HashControllerRevision (32-bit FNV-1 over the
 * data's JSON bytes and the collision count, in the safe alphabet); a name clash with different data raises the
 * collision count and tries again; old revisions beyond {@code revisionHistoryLimit} are deleted oldest first.
 */
public final class ControllerHistory {
    public static final String HASH_LABEL = "controller-revision-hash";
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Kubernetes' ControllerRevisionName keeps names within 253 characters. */
    private static final int MAX_PREFIX = 223;

    public static final Comparator<ControllerRevision> BY_REVISION = Comparator
            .comparingLong((ControllerRevision r) -> r.getRevision() == null ? 0 : r.getRevision())
            .thenComparing(r -> String.valueOf(r.getMetadata().getCreationTimestamp()))
            .thenComparing(r -> r.getMetadata().getName());

    private final KubernetesClient client;

    public ControllerHistory(KubernetesClient client) {
        this.client = client;
    }

    /** HashControllerRevision: FNV-1 32 over the raw data and the decimal collision count, safe-encoded. */
    public static String hash(byte[] raw, Integer collisionCount) {
        int h = 0x811c9dc5;
        h = fnv1(h, raw);
        if (collisionCount != null) {
            h = fnv1(h, Integer.toString(collisionCount).getBytes(StandardCharsets.UTF_8));
        }
        return safeEncode(Long.toString(Integer.toUnsignedLong(h)));
    }

    private static int fnv1(int h, byte[] bytes) {
        for (byte b : bytes) {
            h *= 0x01000193;
            h ^= b & 0xff;
        }
        return h;
    }

    /** Kubernetes' rand.SafeEncodeString: each character mapped into an alphabet without vowels and look-alikes. */
    public static String safeEncode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            out.append(ALPHANUMS.charAt(c % ALPHANUMS.length()));
        }
        return out.toString();
    }

    /** ControllerRevisionName: {@code PREFIX-HASH}, the prefix cut to 223 characters. */
    public static String name(String prefix, String hash) {
        return (prefix.length() > MAX_PREFIX ? prefix.substring(0, MAX_PREFIX) : prefix) + "-" + hash;
    }

    /** The JSON bytes a revision's data is hashed over. */
    public static byte[] raw(Object data) {
        try {
            return MAPPER.writeValueAsBytes(data instanceof JsonNode ? data : MAPPER.valueToTree(data));
        } catch (Exception e) {
            throw new IllegalArgumentException("revision data cannot be serialised", e);
        }
    }

    /**
     * NewControllerRevision: a revision of {@code parent} (which must carry apiVersion and kind) with the template's
     * labels, a controller reference, the given data and number, named and labelled by its hash.
     */
    public static ControllerRevision newRevision(HasMetadata parent, Map<String, String> templateLabels, Object data,
                                                 long revision, Integer collisionCount) {
        Map<String, String> labels = templateLabels == null ? new HashMap<>() : new HashMap<>(templateLabels);
        JsonNode tree = data instanceof JsonNode j ? j : MAPPER.valueToTree(data);
        String hash = hash(raw(tree), collisionCount);
        labels.put(HASH_LABEL, hash);
        return new ControllerRevisionBuilder()
                .withNewMetadata()
                .withName(name(parent.getMetadata().getName(), hash))
                .withNamespace(parent.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(Pods.controllerRef(parent))
                .endMetadata()
                .withData(MAPPER.convertValue(tree, Object.class))
                .withRevision(revision)
                .build();
    }

    /** True if both revisions hold the same data (Kubernetes compares the raw bytes; this compares the JSON). */
    public static boolean equalData(ControllerRevision a, ControllerRevision b) {
        return MAPPER.valueToTree(a.getData()).equals(MAPPER.valueToTree(b.getData()));
    }

    /** The highest revision number among {@code revisions}, 0 if none. */
    public static long maxRevision(List<ControllerRevision> revisions) {
        return revisions.stream().mapToLong(r -> r.getRevision() == null ? 0 : r.getRevision()).max().orElse(0);
    }

    /**
     * CreateControllerRevision: creates {@code revision} under the name its hash with {@code collisionCount[0]}
     * gives; if a revision of that name exists with the same data it is returned, with other data the collision
     * count is raised (in place, for the caller to store in the parent's status) and the next name tried.
     */
    public ControllerRevision create(HasMetadata parent, ControllerRevision revision, int[] collisionCount) {
        byte[] raw = raw(revision.getData());
        for (int attempt = 0; ; attempt++) {
            String hash = hash(raw, collisionCount[0]);
            ControllerRevision clone = client.getKubernetesSerialization().clone(revision);
            clone.getMetadata().setName(name(parent.getMetadata().getName(), hash));
            String ns = parent.getMetadata().getNamespace();
            try {
                return client.apps().controllerRevisions().inNamespace(ns).resource(clone).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 100) {
                    throw e;
                }
                ControllerRevision exists = client.apps().controllerRevisions().inNamespace(ns)
                        .withName(clone.getMetadata().getName()).get();
                if (exists == null) {
                    continue;
                }
                if (equalData(exists, clone)) {
                    return exists;
                }
                collisionCount[0]++;
            }
        }
    }

    /**
     * Deletes the oldest of {@code owned} (by revision number) that are not in {@code live} until at most
     * {@code limit} non-live revisions remain, as the DaemonSet and StatefulSet controllers' history cleanup does.
     *
     * @return the revisions deleted
     */
    public List<ControllerRevision> truncate(List<ControllerRevision> owned, Set<String> live, int limit) {
        List<ControllerRevision> old = new ArrayList<>(owned.stream()
                .filter(r -> !live.contains(r.getMetadata().getName())).sorted(BY_REVISION).toList());
        List<ControllerRevision> deleted = new ArrayList<>();
        int excess = old.size() - Math.max(limit, 0);
        for (int i = 0; i < excess; i++) {
            ControllerRevision r = old.get(i);
            client.apps().controllerRevisions().inNamespace(r.getMetadata().getNamespace())
                    .withName(r.getMetadata().getName()).delete();
            deleted.add(r);
        }
        return deleted;
    }
}
