package dev.keelson.controllermanager.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Names and compares pod templates semantically: a template is normalised (empty values, nulls, the
 * {@code pod-template-hash} label and values equal to the apiserver's defaults removed) before it is hashed or
 * compared, so a template that differs only in defaulted fields, {@code creationTimestamp: null} or
 * {@code resources: {}} maps to the same ReplicaSet.
 */
public final class PodTemplateHash {
    public static final String LABEL = "pod-template-hash";
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";
    private static final ObjectMapper MAPPER = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** Field values the apiserver fills in when absent, per object path suffix; dropping them makes both forms equal. */
    private static final Map<String, Set<String>> DEFAULTS = Map.ofEntries(
            Map.entry("spec.restartPolicy", Set.of("Always")),
            Map.entry("spec.dnsPolicy", Set.of("ClusterFirst")),
            Map.entry("spec.schedulerName", Set.of("default-scheduler")),
            Map.entry("spec.terminationGracePeriodSeconds", Set.of("30")),
            Map.entry("spec.enableServiceLinks", Set.of("true")),
            Map.entry("spec.preemptionPolicy", Set.of("PreemptLowerPriority")),
            Map.entry("spec.priority", Set.of("0")),
            Map.entry("containers.terminationMessagePath", Set.of("/dev/termination-log")),
            Map.entry("containers.terminationMessagePolicy", Set.of("File")),
            Map.entry("ports.protocol", Set.of("TCP")),
            Map.entry("probe.timeoutSeconds", Set.of("1")),
            Map.entry("probe.periodSeconds", Set.of("10")),
            Map.entry("probe.successThreshold", Set.of("1")),
            Map.entry("probe.failureThreshold", Set.of("3")),
            Map.entry("httpGet.scheme", Set.of("HTTP")),
            Map.entry("fieldRef.apiVersion", Set.of("v1")));
    private static final Set<String> PROBES = Set.of("livenessProbe", "readinessProbe", "startupProbe");

    private PodTemplateHash() {}

    /** The hash Kubernetes would put in the pod-template-hash label: stable, alphanumeric, collision-counted. */
    public static String compute(PodTemplateSpec template, Integer collisionCount) {
        byte[] bytes = canonical(template).getBytes(StandardCharsets.UTF_8);
        int hash = 0x811c9dc5;
        for (byte b : bytes) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        if (collisionCount != null) {
            for (byte b : Integer.toString(collisionCount).getBytes(StandardCharsets.UTF_8)) {
                hash ^= b & 0xff;
                hash *= 0x01000193;
            }
        }
        String digits = Long.toString(Integer.toUnsignedLong(hash));
        StringBuilder out = new StringBuilder();
        for (char c : digits.toCharArray()) {
            out.append(ALPHANUMS.charAt(c % ALPHANUMS.length()));
        }
        return out.toString();
    }

    /** True if the templates are semantically equal, ignoring the pod-template-hash label. */
    public static boolean equalIgnoringHash(PodTemplateSpec a, PodTemplateSpec b) {
        return normalise(a).equals(normalise(b));
    }

    static String canonical(PodTemplateSpec template) {
        try {
            return MAPPER.writeValueAsString(MAPPER.treeToValue(normalise(template), Object.class));
        } catch (Exception e) {
            throw new IllegalStateException("cannot serialise pod template", e);
        }
    }

    static JsonNode normalise(PodTemplateSpec template) {
        JsonNode node = MAPPER.valueToTree(template == null ? new PodTemplateSpec() : template);
        if (node.path("metadata").path("labels") instanceof ObjectNode labels) {
            labels.remove(LABEL);
        }
        if (node.path("metadata") instanceof ObjectNode meta) {
            meta.remove("creationTimestamp");
        }
        JsonNode cleaned = clean(node, "");
        return cleaned == null ? MAPPER.createObjectNode() : cleaned;
    }

    /** Removes nulls, empty objects/arrays and default values; returns null if nothing is left. */
    private static JsonNode clean(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node instanceof ObjectNode obj) {
            ObjectNode out = MAPPER.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                String childPath = PROBES.contains(f.getKey()) ? "probe" : path.isEmpty() ? f.getKey() : path + "." + f.getKey();
                JsonNode value = clean(f.getValue(), childPath);
                if (value == null || isDefault(childPath, value)) {
                    continue;
                }
                out.set(f.getKey(), value);
            }
            if ((path.equals("containers") || path.equals("initContainers"))
                    && out.path("imagePullPolicy").asText().equals(defaultPullPolicy(out.path("image").asText()))) {
                out.remove("imagePullPolicy");
            }
            return out.isEmpty() ? null : out;
        }
        if (node instanceof ArrayNode arr) {
            ArrayNode out = MAPPER.createArrayNode();
            String last = path.substring(path.lastIndexOf('.') + 1);
            for (JsonNode item : arr) {
                JsonNode value = clean(item, last);
                out.add(value == null ? MAPPER.createObjectNode() : value);
            }
            return out.isEmpty() ? null : out;
        }
        return node;
    }

    /** Kubernetes defaults imagePullPolicy to Always for :latest or untagged images, else IfNotPresent. */
    private static String defaultPullPolicy(String image) {
        String afterSlash = image.substring(image.lastIndexOf('/') + 1);
        if (afterSlash.contains("@")) {
            return "IfNotPresent";
        }
        int colon = afterSlash.lastIndexOf(':');
        return colon < 0 || afterSlash.substring(colon + 1).equals("latest") ? "Always" : "IfNotPresent";
    }

    private static boolean isDefault(String path, JsonNode value) {
        if (!value.isValueNode()) {
            return false;
        }
        String text = value.asText();
        for (Map.Entry<String, Set<String>> d : DEFAULTS.entrySet()) {
            if ((path.equals(d.getKey()) || path.endsWith("." + d.getKey())) && d.getValue().contains(text)) {
                return true;
            }
        }
        return false;
    }
}
