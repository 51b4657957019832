package dev.keelson.kubelet.network;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.DockerRuntime;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's pod network: one Docker bridge network over the Node's spec.podCIDR, gateway at the first address.
 * Sandboxes attach to it; hairpin mode on its ports lets a pod reach itself through a Service.
 */
public final class PodNetwork {
    private static final Logger log = LoggerFactory.getLogger(PodNetwork.class);

    private final DockerRuntime docker;
    private final String networkName;
    private final String nodeName;
    private final String bridgeName;
    private volatile String cidr;

    public PodNetwork(DockerRuntime docker, String nodeName) {
        this.docker = docker;
        this.nodeName = nodeName;
        this.networkName = "keelson-" + nodeName;
        this.bridgeName = bridgeNameFor(nodeName);
    }

    /** Linux interface names have at most 15 characters: a stable hash keeps node names apart. */
    static String bridgeNameFor(String nodeName) {
        return "kbr" + String.format("%08x", nodeName.hashCode());
    }

    public String networkName() {
        return networkName;
    }

    public String bridgeName() {
        return bridgeName;
    }

    /** The podCIDR the network was made for, or null before the Node has one. */
    public String cidr() {
        return cidr;
    }

    public boolean ready() {
        return cidr != null;
    }

    /**
     * Makes sure the bridge network exists for this CIDR. A network of the same name (left by an earlier run of this
     * node, or of another cluster's node of the same name) is reused when its subnet and gateway are the CIDR's;
     * otherwise this node's own containers on it are removed (a podCIDR never changes for a Node, so they belong to
     * a Node that no longer exists) and the network is replaced. A network that other containers still use is left
     * alone: {@link ConflictException} says which.
     */
    public synchronized void ensure(String podCidr) {
        if (podCidr.equals(cidr)) {
            return;
        }
        String gateway = gatewayOf(podCidr);
        List<Network> existing = docker.call("list_networks",
                () -> docker.client().listNetworksCmd().withNameFilter(networkName).exec());
        for (Network n : existing) {
            // the name filter matches substrings
            if (!n.getName().equals(networkName)) {
                continue;
            }
            if (matches(n, podCidr, gateway)) {
                cidr = podCidr;
                log.info("pod network {} for {} adopted", networkName, podCidr);
                return;
            }
            log.info("pod network {} has subnet {}, not {} (gateway {}): replacing it", networkName, subnetsOf(n),
                    podCidr, gateway);
            replace(n, podCidr);
        }
        docker.call("create_network", () -> docker.client().createNetworkCmd()
                .withName(networkName)
                .withDriver("bridge")
                .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(podCidr).withGateway(gateway)))
                .withOptions(Map.of(
                        "com.docker.network.bridge.name", bridgeName,
                        // Pod-to-pod traffic across nodes must keep its source address; the proxy masquerades what leaves.
                        "com.docker.network.bridge.enable_ip_masquerade", "true"))
                .withLabels(Map.of("dev.keelson.network", "pods"))
                .exec());
        cidr = podCidr;
        log.info("pod network {} created for {} (bridge {}, gateway {})", networkName, podCidr, bridgeName, gateway);
    }

    /** True when the network's IPAM has exactly this subnet and gateway (Docker's gateway may be unset in a listing). */
    static boolean matches(Network n, String podCidr, String gateway) {
        if (n.getIpam() == null || n.getIpam().getConfig() == null || n.getIpam().getConfig().isEmpty()) {
            return false;
        }
        return n.getIpam().getConfig().stream().allMatch(c -> podCidr.equals(c.getSubnet())
                && (c.getGateway() == null || c.getGateway().isEmpty() || gateway.equals(c.getGateway())));
    }

    private static List<String> subnetsOf(Network n) {
        return n.getIpam() == null || n.getIpam().getConfig() == null ? List.of()
                : n.getIpam().getConfig().stream().map(c -> c.getSubnet() + " gw " + c.getGateway()).toList();
    }

    /** Removes this node's containers on the network, then the network; fails while others still use it. */
    private void replace(Network n, String podCidr) {
        List<Container> attached = docker.call("list_containers", () -> docker.client().listContainersCmd()
                .withShowAll(true).withNetworkFilter(List.of(n.getId())).exec());
        List<String> others = new ArrayList<>();
        for (Container c : attached) {
            String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", "");
            if (c.getLabels() != null && nodeName.equals(c.getLabels().get(ContainerLabels.NODE))) {
                log.info("removing container {} ({}) of an earlier pod network of node {}", name, c.getState(), nodeName);
                docker.remove(c.getId());
            } else {
                others.add(name);
            }
        }
        if (!others.isEmpty()) {
            throw new ConflictException("pod network " + networkName + " has subnet " + subnetsOf(n) + ", not the node's podCIDR "
                    + podCidr + ", and cannot be replaced: containers of others use it: " + String.join(", ", others));
        }
        try {
            docker.run("remove_network", () -> docker.client().removeNetworkCmd(n.getId()).exec());
        } catch (NotFoundException gone) {
            // removed meanwhile: created below
        } catch (RuntimeException e) {
            throw new ConflictException("pod network " + networkName + " has subnet " + subnetsOf(n)
                    + ", not the node's podCIDR " + podCidr + ", and Docker refused to remove it: "
                    + DockerRuntime.rootMessage(e));
        }
    }

    /** The node's pod network cannot be set up for its podCIDR until someone removes what is in the way. */
    public static final class ConflictException extends RuntimeException {
        public ConflictException(String message) {
            super(message);
        }
    }

    /** The gateway of a CIDR: its first usable address, e.g. 10.244.1.1 for 10.244.1.0/24. */
    public static String gatewayOf(String podCidr) {
        String[] parts = podCidr.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not an IPv4 CIDR: " + podCidr);
        }
        String[] octets = parts[0].split("\\.");
        int prefix = Integer.parseInt(parts[1]);
        if (octets.length != 4 || prefix < 8 || prefix > 30) {
            throw new IllegalArgumentException("not an IPv4 CIDR with a prefix in 8..30: " + podCidr);
        }
        long ip = 0;
        for (String o : octets) {
            int v = Integer.parseInt(o);
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("not an IPv4 CIDR: " + podCidr);
            }
            ip = (ip << 8) | v;
        }
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        long gw = (ip & mask) + 1;
        return ((gw >> 24) & 255) + "." + ((gw >> 16) & 255) + "." + ((gw >> 8) & 255) + "." + (gw & 255);
    }

    /** Turns hairpin mode on for every port of the bridge; new sandboxes add ports, so call after each start. */
    public void enableHairpin() {
        Path brif = Path.of("/sys/class/net", bridgeName, "brif");
        if (!Files.isDirectory(brif)) {
            return;
        }
        try (DirectoryStream<Path> ports = Files.newDirectoryStream(brif)) {
            for (Path port : ports) {
                Path hairpin = port.resolve("hairpin_mode");
                try {
                    if (!"1".equals(Files.readString(hairpin).trim())) {
                        Files.writeString(hairpin, "1");
                    }
                } catch (IOException e) {
                    log.debug("cannot set hairpin mode on {}: {}", port, e.getMessage());
                }
            }
        } catch (IOException e) {
            log.debug("cannot list ports of {}: {}", brif, e.getMessage());
        }
    }

    /** Removes the network (tests and node removal); fails quietly while containers still use it. */
    public void remove() {
        try {
            docker.run("remove_network", () -> docker.client().removeNetworkCmd(networkName).exec());
        } catch (NotFoundException ignored) {
            // already gone
        } catch (RuntimeException e) {
            log.warn("cannot remove network {}: {}", networkName, e.getMessage());
        }
        cidr = null;
    }
}
