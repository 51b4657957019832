package dev.keelson.kubelet.runtime;

import java.util.List;
import java.util.Map;

/**
 * A pod's sandbox (CRI's PodSandboxConfig): the pause container that holds the pod's network and IPC namespaces.
 *
 * @param network the pod network to join, or null for the host's network (hostNetwork)
 * @param hostname null keeps the runtime's (with the host's network, the host's name)
 * @param hostPid the pod uses the host's PID namespace
 * @param hostIpc the pod uses the host's IPC namespace (else the sandbox's, shared with its containers)
 * @param sysctls namespaced kernel parameters of the pod (net.*, kernel.shm*), already allowed by the kubelet
 */
public record SandboxConfig(
        String name,
        String image,
        Map<String, String> labels,
        String hostname,
        String network,
        List<PortMapping> ports,
        boolean hostPid,
        boolean hostIpc,
        Map<String, String> sysctls) {

    /** A hostPort: {@code protocol} is TCP or UDP. */
    public record PortMapping(String protocol, int containerPort, String hostIp, int hostPort) {}
}
