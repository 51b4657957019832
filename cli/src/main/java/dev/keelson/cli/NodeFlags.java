package dev.keelson.cli;

import dev.keelson.componentbase.tls.CertificateAuthority;
import java.nio.file.Path;
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

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "The cluster's DNS domain, as the kubelet's flag. Default: ${DEFAULT-VALUE}.")
    String clusterDomain;

    @Option(names = "--cluster-dns", defaultValue = "10.96.0.10", description = "The DNS server address pods' resolv.conf names (the kube-dns Service), as the kubelet's flag. Default: ${DEFAULT-VALUE}.")
    String clusterDns;

    @Option(names = "--resolv-conf", defaultValue = "/etc/resolv.conf", description = "The host's resolver configuration: upstream servers of the cluster DNS, and the resolv.conf of dnsPolicy Default pods. Default: ${DEFAULT-VALUE}.")
    Path resolvConf;

    @Option(names = "--dns-upstream", split = ",", description = "Upstream DNS servers (IP or IP:port) for names outside the cluster. Default: the nameservers of --resolv-conf.")
    List<String> dnsUpstreams = new ArrayList<>();

    @Option(names = "--dns-port", defaultValue = "53", description = "Port of this node's cluster DNS server on its pod-bridge gateway. Default: ${DEFAULT-VALUE}.")
    int dnsPort;

    @Option(names = "--disable-dns", description = "Run no cluster DNS server on this node.")
    boolean disableDns;

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
