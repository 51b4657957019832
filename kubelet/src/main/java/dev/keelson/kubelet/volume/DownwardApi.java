package dev.keelson.kubelet.volume;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.TreeMap;

/** The pod fields a downwardAPI volume file may hold, rendered as the kubelet renders them. */
final class DownwardApi {
    private DownwardApi() {}

    static String field(Pod pod, String path) {
        return switch (path) {
            case "metadata.name" -> pod.getMetadata().getName();
            case "metadata.namespace" -> pod.getMetadata().getNamespace();
            case "metadata.uid" -> pod.getMetadata().getUid();
            case "metadata.labels" -> lines(pod.getMetadata().getLabels());
            case "metadata.annotations" -> lines(pod.getMetadata().getAnnotations());
            case "spec.nodeName" -> nullToEmpty(pod.getSpec().getNodeName());
            case "spec.serviceAccountName" -> nullToEmpty(pod.getSpec().getServiceAccountName());
            case "status.hostIP" -> pod.getStatus() == null ? "" : nullToEmpty(pod.getStatus().getHostIP());
            case "status.podIP" -> pod.getStatus() == null ? "" : nullToEmpty(pod.getStatus().getPodIP());
            default -> {
                if (path.startsWith("metadata.labels['") && path.endsWith("']")) {
                    yield nullToEmpty(map(pod.getMetadata().getLabels()).get(path.substring(17, path.length() - 2)));
                }
                if (path.startsWith("metadata.annotations['") && path.endsWith("']")) {
                    yield nullToEmpty(map(pod.getMetadata().getAnnotations()).get(path.substring(22, path.length() - 2)));
                }
                throw new ContainerConfigException("downwardAPI field " + path + " is not supported");
            }
        };
    }

    private static Map<String, String> map(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** {@code key="value"} lines sorted by key, values quoted as Go's %q (fieldpath.FormatMap). */
    private static String lines(Map<String, String> m) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(map(m)).entrySet()) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(e.getKey()).append('=').append('"')
                    .append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return b.toString();
    }
}
