package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.Format;

/**
 * Where a kind keeps what its {@code scale} subresource (autoscaling/v1 Scale) shows, as CustomResourceDefinition's
 * {@code subresources.scale} says it: the desired replicas, the observed replicas and the pod selector, each a dotted
 * JSON path ({@code .spec.replicas}). Built-in workloads keep their selector as a LabelSelector object or a label map;
 * custom resources as a string in the selector syntax.
 */
public record ScaleSubresource(String specReplicasPath, String statusReplicasPath, String labelSelectorPath,
                               SelectorForm selectorForm) {

    /** How the selector is stored at {@link #labelSelectorPath}. */
    public enum SelectorForm { LABEL_SELECTOR, LABEL_MAP, STRING }

    /** Deployments, ReplicaSets, StatefulSets: {@code spec.replicas}, {@code status.replicas}, a LabelSelector. */
    public static final ScaleSubresource WORKLOAD = new ScaleSubresource(".spec.replicas", ".status.replicas",
            ".spec.selector", SelectorForm.LABEL_SELECTOR);

    /** ReplicationControllers: like {@link #WORKLOAD} with a plain label map as selector. */
    public static final ScaleSubresource REPLICATION_CONTROLLER = new ScaleSubresource(".spec.replicas",
            ".status.replicas", ".spec.selector", SelectorForm.LABEL_MAP);

    public int specReplicas(JsonNode obj) {
        return at(obj, specReplicasPath).asInt(0);
    }

    public int statusReplicas(JsonNode obj) {
        return at(obj, statusReplicasPath).asInt(0);
    }

    /** Writes the desired replicas, creating the objects on the path. */
    public void setSpecReplicas(ObjectNode obj, int replicas) {
        String[] parts = split(specReplicasPath);
        ObjectNode parent = obj;
        for (int i = 0; i < parts.length - 1; i++) {
            parent = parent.with(parts[i]);
        }
        parent.put(parts[parts.length - 1], replicas);
    }

    /** The selector in its string syntax, requirements sorted by key as Kubernetes prints them ("" for none). */
    public String selector(JsonNode obj) {
        if (labelSelectorPath == null || labelSelectorPath.isEmpty()) {
            return "";
        }
        JsonNode sel = at(obj, labelSelectorPath);
        return switch (selectorForm) {
            case STRING -> sel.asText("");
            case LABEL_MAP -> sel.isObject() && !sel.isEmpty() ? Format.labels(sel) : "";
            case LABEL_SELECTOR -> sel.isObject() ? Format.selector(sel) : "";
        };
    }

    private static JsonNode at(JsonNode obj, String path) {
        JsonNode n = obj;
        for (String p : split(path)) {
            n = n.path(p);
        }
        return n;
    }

    private static String[] split(String path) {
        return (path.startsWith(".") ? path.substring(1) : path).split("\\.");
    }
}
