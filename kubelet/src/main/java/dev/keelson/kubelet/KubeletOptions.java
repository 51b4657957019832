package dev.keelson.kubelet;

import dev.keelson.kubelet.network.DnsSettings;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link Kubelet} needs besides its API client; the command line and {@code keelson server} both build one.
 *
 * @param port kubelet server port; 0 picks a free one
 * @param bindAddress address the kubelet server listens on
 * @param nodeIp InternalIP to report; null = the first non-loopback address of the host
 * @param tlsCertFile PEM certificate for the kubelet server; null (with tlsKeyFile null) = plain HTTP
 * @param clientCaFile PEM CA whose client certificates the server accepts; null = no client-certificate check
 * @param dns the pods' DNS: cluster domain, cluster DNS address, host resolv.conf
 */
public record KubeletOptions(
        String nodeName,
        String dockerEndpoint,
        String podInfraContainerImage,
        int port,
        String bindAddress,
        String nodeIp,
        Map<String, Quantity> systemReserved,
        Map<String, Quantity> kubeReserved,
        Path rootDir,
        Path tlsCertFile,
        Path tlsKeyFile,
        Path clientCaFile,
        int maxPods,
        DnsSettings dns) {

    public static final String DEFAULT_DOCKER_ENDPOINT = "unix:///var/run/docker.sock";
    public static final String DEFAULT_POD_INFRA_IMAGE = "registry.k8s.io/pause:3.10";
    public static final Path DEFAULT_ROOT_DIR = Path.of("/var/lib/keelson/kubelet");

    public KubeletOptions {
        Objects.requireNonNull(nodeName, "nodeName");
        if (!nodeName.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") || nodeName.length() > 253) {
            throw new IllegalArgumentException("node name must be a lower-case DNS subdomain: " + nodeName);
        }
        dockerEndpoint = dockerEndpoint == null ? DEFAULT_DOCKER_ENDPOINT : dockerEndpoint;
        podInfraContainerImage = podInfraContainerImage == null ? DEFAULT_POD_INFRA_IMAGE : podInfraContainerImage;
        bindAddress = bindAddress == null ? "0.0.0.0" : bindAddress;
        systemReserved = systemReserved == null ? Map.of() : Map.copyOf(systemReserved);
        kubeReserved = kubeReserved == null ? Map.of() : Map.copyOf(kubeReserved);
        rootDir = rootDir == null ? DEFAULT_ROOT_DIR : rootDir;
        maxPods = maxPods <= 0 ? 110 : maxPods;
        dns = dns == null ? DnsSettings.DEFAULTS : dns;
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("give both a TLS certificate and its key, or neither");
        }
    }

    /** Defaults for a node: Docker on the default socket, port 10250, root dir /var/lib/keelson/kubelet. */
    public static KubeletOptions defaults(String nodeName) {
        return builder(nodeName).build();
    }

    /** A builder that starts from {@link #defaults(String)}. */
    public static Builder builder(String nodeName) {
        return new Builder(nodeName);
    }

    /** Collects options one by one; what is left unset gets the defaults of the record's constructor. */
    public static final class Builder {
        private final String nodeName;
        private String dockerEndpoint;
        private String podInfraContainerImage;
        private int port = 10250;
        private String bindAddress;
        private String nodeIp;
        private Map<String, Quantity> systemReserved;
        private Map<String, Quantity> kubeReserved;
        private Path rootDir;
        private Path tlsCertFile;
        private Path tlsKeyFile;
        private Path clientCaFile;
        private int maxPods = 110;
        private DnsSettings dns;

        private Builder(String nodeName) {
            this.nodeName = nodeName;
        }

        public Builder dockerEndpoint(String dockerEndpoint) {
            this.dockerEndpoint = dockerEndpoint;
            return this;
        }

        public Builder podInfraContainerImage(String podInfraContainerImage) {
            this.podInfraContainerImage = podInfraContainerImage;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder bindAddress(String bindAddress) {
            this.bindAddress = bindAddress;
            return this;
        }

        /** null = the host's first non-loopback address. */
        public Builder nodeIp(String nodeIp) {
            this.nodeIp = nodeIp;
            return this;
        }

        public Builder systemReserved(Map<String, Quantity> systemReserved) {
            this.systemReserved = systemReserved;
            return this;
        }

        public Builder kubeReserved(Map<String, Quantity> kubeReserved) {
            this.kubeReserved = kubeReserved;
            return this;
        }

        public Builder rootDir(Path rootDir) {
            this.rootDir = rootDir;
            return this;
        }

        /** Serve HTTPS with this certificate; with a client CA, only clients it signed may call the kubelet. */
        public Builder tls(Path certFile, Path keyFile, Path clientCa) {
            this.tlsCertFile = certFile;
            this.tlsKeyFile = keyFile;
            this.clientCaFile = clientCa;
            return this;
        }

        public Builder maxPods(int maxPods) {
            this.maxPods = maxPods;
            return this;
        }

        /** --cluster-domain, --cluster-dns and --resolv-conf. */
        public Builder dns(DnsSettings dns) {
            this.dns = dns;
            return this;
        }

        /** @throws IllegalArgumentException if the node name is not a DNS subdomain or only half of TLS is given */
        public KubeletOptions build() {
            return new KubeletOptions(nodeName, dockerEndpoint, podInfraContainerImage, port, bindAddress, nodeIp,
                    systemReserved, kubeReserved, rootDir, tlsCertFile, tlsKeyFile, clientCaFile, maxPods, dns);
        }
    }

    /** Parses {@code cpu=100m,memory=256Mi} as the --system-reserved and --kube-reserved flags take it. */
    public static Map<String, Quantity> parseReservation(String flag) {
        if (flag == null || flag.isBlank()) {
            return Map.of();
        }
        java.util.Map<String, Quantity> out = new java.util.LinkedHashMap<>();
        for (String part : flag.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                throw new IllegalArgumentException("reservation must look like cpu=100m,memory=256Mi, got: " + flag);
            }
            String name = kv[0].trim();
            if (!name.equals("cpu") && !name.equals("memory") && !name.equals("ephemeral-storage") && !name.equals("pid")) {
                throw new IllegalArgumentException("unknown reserved resource " + name
                        + " (cpu, memory, ephemeral-storage, pid)");
            }
            Quantity q = new Quantity(kv[1].trim());
            try {
                Quantity.getAmountInBytes(q);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad quantity for " + name + ": " + kv[1], e);
            }
            out.put(name, q);
        }
        return out;
    }
}
