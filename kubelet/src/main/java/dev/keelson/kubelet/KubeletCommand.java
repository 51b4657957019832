package dev.keelson.kubelet;

import dev.keelson.componentbase.cli.Foreground;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.kubelet.network.DnsSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code keelson kubelet} command: runs one node agent until the process is stopped. */
@Command(name = "kubelet", mixinStandardHelpOptions = true,
        description = "Node agent: registers the Node and runs its pods on Docker.")
public final class KubeletCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, description = "kubeconfig of the apiserver to join")
    Path kubeconfig;

    @Option(names = "--node-name", description = "name of this node (default: the host name)")
    String nodeName;

    @Option(names = "--docker-endpoint", defaultValue = KubeletOptions.DEFAULT_DOCKER_ENDPOINT,
            description = "Docker Engine socket (default: ${DEFAULT-VALUE})")
    String dockerEndpoint;

    @Option(names = "--pod-infra-container-image", defaultValue = KubeletOptions.DEFAULT_POD_INFRA_IMAGE,
            description = "sandbox image that holds each pod's namespaces (default: ${DEFAULT-VALUE})")
    String podInfraImage;

    @Option(names = "--port", defaultValue = "10250", description = "kubelet server port, 0 = any free port")
    int port;

    @Option(names = "--address", defaultValue = "0.0.0.0", description = "kubelet server bind address")
    String address;

    @Option(names = "--node-ip", description = "InternalIP to report (default: the host's first non-loopback address)")
    String nodeIp;

    @Option(names = "--system-reserved", description = "resources kept for the OS, e.g. cpu=100m,memory=256Mi")
    String systemReserved;

    @Option(names = "--kube-reserved", description = "resources kept for Keelson itself, e.g. cpu=100m,memory=256Mi")
    String kubeReserved;

    @Option(names = "--root-dir", defaultValue = "/var/lib/keelson/kubelet", description = "pod volumes live here")
    Path rootDir;

    @Option(names = "--tls-cert-file", description = "PEM certificate of the kubelet server")
    Path tlsCert;

    @Option(names = "--tls-private-key-file", description = "PEM key of the kubelet server")
    Path tlsKey;

    @Option(names = "--client-ca-file", description = "CA whose client certificates may call the kubelet server")
    Path clientCa;

    @Option(names = "--max-pods", defaultValue = "110", description = "pods this node accepts")
    int maxPods;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local",
            description = "DNS domain of the cluster; pods search it after their namespace's (default: ${DEFAULT-VALUE})")
    String clusterDomain;

    @Option(names = "--cluster-dns", split = ",", defaultValue = "10.96.0.10",
            description = "DNS server addresses of ClusterFirst pods (default: ${DEFAULT-VALUE})")
    java.util.List<String> clusterDns;

    @Option(names = "--resolv-conf", defaultValue = "/etc/resolv.conf",
            description = "resolver configuration of dnsPolicy Default pods (default: ${DEFAULT-VALUE})")
    Path resolvConf;

    @Override
    public Integer call() throws Exception {
        String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        KubeletOptions options = KubeletOptions.builder(name).dockerEndpoint(dockerEndpoint)
                .podInfraContainerImage(podInfraImage).port(port).bindAddress(address).nodeIp(nodeIp)
                .systemReserved(KubeletOptions.parseReservation(systemReserved))
                .kubeReserved(KubeletOptions.parseReservation(kubeReserved))
                .rootDir(rootDir).tls(tlsCert, tlsKey, clientCa).maxPods(maxPods)
                .dns(new DnsSettings(clusterDomain, clusterDns, resolvConf)).build();
        KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig);
        Kubelet kubelet = new Kubelet(client, options);
        return Foreground.runUntilShutdown("kubelet", kubelet::start, () -> {
            kubelet.close();
            client.close();
        });
    }
}
