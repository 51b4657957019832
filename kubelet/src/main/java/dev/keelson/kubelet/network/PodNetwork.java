package dev.keelson.kubelet.network;

import dev.keelson.componentbase.net.Ipv4;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.ContainerRuntime.AttachedContainer;
import dev.keelson.kubelet.runtime.ContainerRuntime.NetworkRecord;
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
 * The node's pod network: one bridge network of the runtime over the Node's spec.podCIDR, gateway at the first address.
 * Sandboxes attach to it; hairpin mode on its ports lets a pod reach itself through a Service.
 */
public final class PodNetwork {
    private static final Logger log = LoggerFactory.getLogger(PodNetwork.class);

    private final ContainerRuntime runtime;
    private final String networkName;
    private final String nodeName;
    private final String bridgeName;
    private volatile String cidr;

    public PodNetwork(ContainerRuntime runtime, String nodeName) {
        this.runtime = runtime;
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
        for (NetworkRecord n : runtime.networks(networkName)) {
            if (matches(n, podCidr, gateway)) {
                cidr = podCidr;
                log.info("pod network {} for {} adopted", networkName, podCidr);
                return;
            }
            log.info("pod network {} has subnet {}, not {} (gateway {}): replacing it", networkName, subnetsOf(n),
                    podCidr, gateway);
            replace(n, podCidr);
        }
        runtime.createBridgeNetwork(networkName, podCidr, gateway, bridgeName, Map.of("dev.keelson.network", "pods"));
        cidr = podCidr;
        log.info("pod network {} created for {} (bridge {}, gateway {})", networkName, podCidr, bridgeName, gateway);
    }

    /** True when the network's IPAM has exactly this subnet and gateway (a listing may leave the gateway unset). */
    static boolean matches(NetworkRecord n, String podCidr, String gateway) {
        if (n.subnets().isEmpty()) {
            return false;
        }
        return n.subnets().stream().allMatch(c -> podCidr.equals(c.subnet())
                && (c.gateway() == null || c.gateway().isEmpty() || gateway.equals(c.gateway())));
    }

    private static List<String> subnetsOf(NetworkRecord n) {
        return n.subnets().stream().map(c -> c.subnet() + " gw " + c.gateway()).toList();
    }

    /** Removes this node's containers on the network, then the network; fails while others still use it. */
    private void replace(NetworkRecord n, String podCidr) {
        List<String> others = new ArrayList<>();
        for (AttachedContainer c : runtime.containersOnNetwork(n.id())) {
            if (nodeName.equals(c.labels().get(ContainerLabels.NODE))) {
                log.info("removing container {} ({}) of an earlier pod network of node {}", c.name(), c.state(), nodeName);
                runtime.removeContainer(c.id());
            } else {
                others.add(c.name());
            }
        }
        if (!others.isEmpty()) {
            throw new ConflictException("pod network " + networkName + " has subnet " + subnetsOf(n) + ", not the node's podCIDR "
                    + podCidr + ", and cannot be replaced: containers of others use it: " + String.join(", ", others));
        }
        try {
            // false when removed meanwhile: created below
            runtime.removeNetwork(n.id());
        } catch (RuntimeException e) {
            throw new ConflictException("pod network " + networkName + " has subnet " + subnetsOf(n)
                    + ", not the node's podCIDR " + podCidr + ", and the runtime refused to remove it: "
                    + ContainerRuntime.rootMessage(e));
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
        Ipv4.Cidr cidr = Ipv4.Cidr.parse(podCidr);
        if (cidr.prefix() < 8 || cidr.prefix() > 30) {
            throw new IllegalArgumentException("not an IPv4 CIDR with a prefix in 8..30: " + podCidr);
        }
        return Ipv4.format(cidr.address(1));
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
            runtime.removeNetwork(networkName);
        } catch (RuntimeException e) {
            log.warn("cannot remove network {}: {}", networkName, e.getMessage());
        }
        cidr = null;
    }
}
