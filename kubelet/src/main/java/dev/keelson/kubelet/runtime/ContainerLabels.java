package dev.keelson.kubelet.runtime;

/** Docker labels that tie a container to its pod, so any kubelet (also a restarted one) finds what it runs. */
public final class ContainerLabels {
    public static final String NODE = "dev.keelson.node";
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";
    public static final String RESTART_COUNT = "io.kubernetes.container.restartCount";
    /** sandbox, init or app. */
    public static final String KIND = "dev.keelson.container.kind";
    public static final String TERMINATION_MESSAGE_PATH = "io.kubernetes.container.terminationMessagePath";

    public static final String KIND_SANDBOX = "sandbox";
    public static final String KIND_INIT = "init";
    public static final String KIND_APP = "app";

    /** The container name the pause container carries, as in Kubernetes' dockershim. */
    public static final String SANDBOX_CONTAINER_NAME = "POD";

    private ContainerLabels() {}
}
