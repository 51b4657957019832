package dev.keelson.kubelet.network;

import java.nio.file.Path;
import java.util.List;

/**
 * The kubelet's DNS flags: {@code --cluster-domain}, {@code --cluster-dns} (the kube-dns Service address pods'
 * resolv.conf names) and {@code --resolv-conf} (the host file that dnsPolicy Default pods get, and whose search
 * domains ClusterFirst pods get after the cluster's).
 */
public record DnsSettings(String clusterDomain, List<String> clusterDns, Path resolvConf) {
    public static final DnsSettings DEFAULTS = new DnsSettings("cluster.local", List.of("10.96.0.10"),
            Path.of("/etc/resolv.conf"));

    public DnsSettings {
        clusterDomain = clusterDomain == null || clusterDomain.isEmpty() ? "cluster.local" : clusterDomain;
        clusterDns = clusterDns == null ? List.of() : List.copyOf(clusterDns);
        resolvConf = resolvConf == null ? Path.of("/etc/resolv.conf") : resolvConf;
    }
}
