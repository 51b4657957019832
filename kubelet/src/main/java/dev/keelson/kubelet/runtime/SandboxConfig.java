package dev.keelson.kubelet.runtime;

import java.util.List;
import java.util.Map;

/**
 * A pod's sandbox (CRI's PodSandboxConfig): the pause container that holds the pod's network and IPC namespaces.
 *
 * @param network the pod network to join, or null for the host's network (hostNetwork)
 * @param hostname null keeps the runtime's (with the host's network, the host's name)
 */
public record SandboxConfig(
        String name,
        String image,
        Map<String, String> labels,
        String hostname,
        String network,
        List<PortMapping> ports) {

    /** A hostPort: {@code protocol} is TCP or UDP. */
    public record PortMapping(String protocol, int containerPort, String hostIp, int hostPort) {}
}
