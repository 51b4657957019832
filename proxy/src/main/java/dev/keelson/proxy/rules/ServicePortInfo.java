package dev.keelson.proxy.rules;

import java.util.List;

/**
 * One port of one Service as the proxier sees it: the virtual address, the policies that shape its rules and
 * its ready endpoints (already resolved to numeric target ports).
 *
 * @param protocol                 TCP, UDP or SCTP
 * @param nodePort                 0 when the service has no node port
 * @param affinityTimeoutSeconds   0 when sessionAffinity is None
 */
public record ServicePortInfo(String namespace, String name, String portName, String protocol, String clusterIp,
                              int port, int nodePort, boolean externalPolicyLocal, boolean internalPolicyLocal,
                              int affinityTimeoutSeconds, List<Endpoint> endpoints) {

    public ServicePortInfo {
        endpoints = List.copyOf(endpoints);
    }

    /** "namespace/name:port", or "namespace/name" for an unnamed port, as kube-proxy names service ports. */
    public String displayName() {
        return namespace + "/" + name + (portName == null || portName.isEmpty() ? "" : ":" + portName);
    }

    public List<Endpoint> localEndpoints(String nodeName) {
        return endpoints.stream().filter(e -> nodeName.equals(e.nodeName())).toList();
    }
}
