package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.ContainerLabels;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.LinkedHashMap;
import java.util.Map;

/** The names and labels a pod's containers carry in the runtime, so that any kubelet finds them again. */
final class RuntimeNames {
    private RuntimeNames() {}

    static Map<String, String> labels(String nodeName, Pod pod, String kind, String containerName, int restartCount) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerLabels.NODE, nodeName);
        labels.put(ContainerLabels.POD_UID, pod.getMetadata().getUid());
        labels.put(ContainerLabels.POD_NAMESPACE, pod.getMetadata().getNamespace());
        labels.put(ContainerLabels.POD_NAME, pod.getMetadata().getName());
        labels.put(ContainerLabels.CONTAINER_NAME, containerName);
        labels.put(ContainerLabels.KIND, kind);
        labels.put(ContainerLabels.RESTART_COUNT, Integer.toString(restartCount));
        return labels;
    }

    /** As Kubernetes' dockershim named them: k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT. */
    static String containerName(Pod pod, String containerName, int attempt) {
        return "k8s_" + containerName + "_" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "_"
                + pod.getMetadata().getUid() + "_" + attempt;
    }
}
