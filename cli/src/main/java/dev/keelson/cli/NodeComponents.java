package dev.keelson.cli;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.dns.ClusterDns;
import dev.keelson.kubelet.Kubelet;
import dev.keelson.kubelet.network.DnsSettings;
import dev.keelson.kubelet.KubeletOptions;
import dev.keelson.proxy.Proxy;
import dev.keelson.proxy.ProxyOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node's kubelet, proxy and cluster DNS server in this JVM: what `keelson agent` runs and `keelson server` runs unless --disable-agent. */
final class NodeComponents {
    private static final Logger LOG = LoggerFactory.getLogger(NodeComponents.class);

    private NodeComponents() {}

    /**
     * Starts the kubelet (HTTPS with the given serving certificate; only clients the cluster CA signed may call it)
     * and the proxy; adds both to {@code running}, newest first; returns the kubelet.
     */
    static Kubelet start(KubernetesClient client, NodeFlags flags, Path rootDir, Path servingCert, Path servingKey,
                      Path clusterCa, boolean freePorts, Lifecycle running) {
        String node = flags.node();
        KubeletOptions options = KubeletOptions.builder(node).port(flags.kubeletPort).rootDir(rootDir)
                .dockerEndpoint(flags.dockerEndpoint).tls(servingCert, servingKey, clusterCa).nodeIp(flags.nodeIp)
                .dns(new DnsSettings(flags.clusterDomain, List.of(flags.clusterDns), flags.resolvConf))
                .build();
        Kubelet kubelet = new Kubelet(client, options);
        kubelet.start();
        running.add(kubelet);
        Proxy proxy = new Proxy(client, ProxyOptions.defaults(node).withClusterCidr(flags.clusterCidr)
                .withServer("127.0.0.1", freePorts ? 0 : 10256, freePorts ? 0 : 10249));
        proxy.start();
        running.add(proxy);
        if (!flags.disableDns) {
            startDns(client, flags, freePorts, running);
        }
        LOG.info("kubelet and proxy started for node {}", node);
        return kubelet;
    }

    /** The node's DNS server: it listens on the pod-bridge gateway once the kubelet has made the bridge. */
    private static void startDns(KubernetesClient client, NodeFlags flags, boolean freePorts, Lifecycle running) {
        ClusterDns.Options options = ClusterDns.Options.defaults(flags.node()).withClusterDomain(flags.clusterDomain)
                .withUpstreams(flags.dnsUpstreams).withResolvConf(flags.resolvConf)
                .withListen(null, flags.dnsPort, freePorts ? 0 : 9153);
        ClusterDns dns = new ClusterDns(client, VertxHolder.get(), options);
        try {
            dns.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dns.close();
            throw new IllegalStateException("interrupted while starting the cluster DNS server", e);
        }
        running.add(dns);
    }
}
