package dev.keelson.cli;

import dev.keelson.componentbase.tls.CertificateAuthority;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags of a node's kubelet and proxy that `keelson server` and `keelson agent` share. */
final class NodeFlags {
    @Option(names = "--node-name", description = "This host's node name. Default: the host name.")
    String nodeName;

    @Option(names = "--node-ip", description = "Address the kubelet reports as the node's InternalIP. Default: the first non-loopback IPv4 address.")
    String nodeIp;

    @Option(names = "--docker-endpoint", defaultValue = "unix:///var/run/docker.sock", description = "Docker Engine of this node's kubelet. Default: ${DEFAULT-VALUE}.")
    String dockerEndpoint;

    @Option(names = "--kubelet-port", defaultValue = "10250", description = "Kubelet server port; 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int kubeletPort;

    @Option(names = "--cluster-cidr", defaultValue = "10.244.0.0/16", description = "Pod network of the cluster. Default: ${DEFAULT-VALUE}.")
    String clusterCidr;

    String node() {
        return nodeName != null ? nodeName : CertificateAuthority.hostName();
    }

    /** The IP addresses the kubelet's serving certificate must name: the node IP, the host's and loopback. */
    List<String> servingIps() {
        List<String> ips = new ArrayList<>(CertificateAuthority.hostAddresses());
        if (nodeIp != null && !ips.contains(nodeIp)) {
            ips.add(0, nodeIp);
        }
        if (!ips.contains("127.0.0.1")) {
            ips.add("127.0.0.1");
        }
        return ips;
    }

    /** The DNS names of the kubelet's serving certificate. */
    List<String> servingNames() {
        List<String> names = new ArrayList<>(List.of(node(), "localhost"));
        String host = CertificateAuthority.hostName();
        if (!names.contains(host)) {
            names.add(host);
        }
        return names;
    }
}
