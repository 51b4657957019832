package dev.keelson.controllermanager.nodeipam;

import dev.keelson.componentbase.net.Ipv4;
import java.util.BitSet;
import java.util.Optional;

/**
 * Hands out the /24 (or other size) subnets of the cluster CIDR. Which subnets are taken is rebuilt from the
 * Nodes' spec.podCIDR before anything is allocated, so a restart never hands a subnet out twice.
 */
public final class CidrAllocator {
    private final int base;
    private final int clusterPrefix;
    private final int nodePrefix;
    private final BitSet used = new BitSet();
    private final int size;
    private int next;

    public CidrAllocator(String clusterCidr, int nodePrefix) {
        Ipv4.Cidr cluster;
        try {
            cluster = Ipv4.Cidr.parse(clusterCidr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster CIDR must look like 10.244.0.0/16, got " + clusterCidr);
        }
        this.clusterPrefix = cluster.prefix();
        if (clusterPrefix > nodePrefix || nodePrefix > 30) {
            throw new IllegalArgumentException("cluster CIDR " + clusterCidr + " cannot hold /" + nodePrefix + " node subnets");
        }
        this.base = cluster.network();
        this.nodePrefix = nodePrefix;
        this.size = 1 << (nodePrefix - clusterPrefix);
    }

    /** Marks {@code cidr} as taken; false if it is not a node subnet of this cluster CIDR. */
    public synchronized boolean occupy(String cidr) {
        int index = indexOf(cidr);
        if (index < 0) {
            return false;
        }
        used.set(index);
        return true;
    }

    public synchronized void release(String cidr) {
        int index = indexOf(cidr);
        if (index >= 0) {
            used.clear(index);
        }
    }

    /** The next free subnet (searching on from the last one handed out), or empty when the range is exhausted. */
    public synchronized Optional<String> allocate() {
        for (int i = 0; i < size; i++) {
            int candidate = (next + i) % size;
            if (!used.get(candidate)) {
                used.set(candidate);
                next = (candidate + 1) % size;
                return Optional.of(format(candidate));
            }
        }
        return Optional.empty();
    }

    private String format(int index) {
        return Ipv4.format(base + (index << (32 - nodePrefix))) + "/" + nodePrefix;
    }

    private int indexOf(String cidr) {
        try {
            String[] parts = cidr.trim().split("/");
            if (parts.length != 2 || Integer.parseInt(parts[1]) != nodePrefix) {
                return -1;
            }
            int addr = Ipv4.toInt(parts[0]);
            int offset = addr - base;
            long unsigned = Integer.toUnsignedLong(offset);
            if (unsigned >= ((long) size << (32 - nodePrefix)) || (offset & ((1 << (32 - nodePrefix)) - 1)) != 0) {
                return -1;
            }
            return (int) (unsigned >>> (32 - nodePrefix));
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
