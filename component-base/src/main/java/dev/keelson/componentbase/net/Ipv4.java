package dev.keelson.componentbase.net;

/**
 * IPv4 addresses as unsigned 32-bit numbers, and CIDR blocks over them: what the service-IP allocator, node IPAM,
 * the kubelet's pod network and the proxy's endpoint order all count with.
 */
public final class Ipv4 {
    private Ipv4() {
    }

    /** The address as a number, or null when {@code text} is not a dotted-quad IPv4 address. */
    public static Integer parse(String text) {
        if (text == null) {
            return null;
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                return null;
            }
            int b = Integer.parseInt(p);
            if (b > 255) {
                return null;
            }
            v = (v << 8) | b;
        }
        return v;
    }

    /** The address as a number; throws {@link IllegalArgumentException} when it is not one. */
    public static int toInt(String text) {
        Integer v = parse(text);
        if (v == null) {
            throw new IllegalArgumentException("not an IPv4 address: " + text);
        }
        return v;
    }

    public static String format(int v) {
        return ((v >>> 24) & 255) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
    }

    /** Orders two addresses numerically; anything that is not IPv4 sorts after, by its text. */
    public static int compare(String a, String b) {
        Integer x = parse(a);
        Integer y = parse(b);
        if (x != null && y != null) {
            return Integer.compareUnsigned(x, y);
        }
        if (x != null || y != null) {
            return x != null ? -1 : 1;
        }
        return a.compareTo(b);
    }

    /** A block {@code network/prefix}; the network address has its host bits cleared. */
    public record Cidr(int network, int prefix) {

        /** Parses {@code 10.96.0.0/12}; host bits in the address are dropped. */
        public static Cidr parse(String text) {
            String[] parts = text.trim().split("/");
            if (parts.length != 2 || parts[1].isEmpty() || !parts[1].chars().allMatch(Character::isDigit)
                    || parts[1].length() > 2) {
                throw new IllegalArgumentException("not an IPv4 CIDR: " + text);
            }
            int prefix = Integer.parseInt(parts[1]);
            if (prefix > 32) {
                throw new IllegalArgumentException("not an IPv4 CIDR: " + text);
            }
            return new Cidr(toInt(parts[0]) & mask(prefix), prefix);
        }

        private static int mask(int prefix) {
            return prefix == 0 ? 0 : -1 << (32 - prefix);
        }

        /** How many addresses the block holds. */
        public long size() {
            return 1L << (32 - prefix);
        }

        /** The address {@code offset} places after the network address. */
        public int address(long offset) {
            return (int) (Integer.toUnsignedLong(network) + offset);
        }

        /** How far {@code ip} is from the network address, or -1 when it lies outside the block. */
        public long offsetOf(int ip) {
            long offset = Integer.toUnsignedLong(ip) - Integer.toUnsignedLong(network);
            return offset >= 0 && offset < size() ? offset : -1;
        }

        @Override
        public String toString() {
            return format(network) + "/" + prefix;
        }
    }
}
