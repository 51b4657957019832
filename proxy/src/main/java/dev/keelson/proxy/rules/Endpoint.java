package dev.keelson.proxy.rules;

/** One ready backend of a service port: the address and target port traffic is DNATed to. */
public record Endpoint(String ip, int port, String nodeName) implements Comparable<Endpoint> {
    public String hostPort() {
        return ip + ":" + port;
    }

    @Override
    public int compareTo(Endpoint other) {
        int byIp = compareIps(ip, other.ip);
        return byIp != 0 ? byIp : Integer.compare(port, other.port);
    }

    private static int compareIps(String a, String b) {
        String[] pa = a.split("\\.");
        String[] pb = b.split("\\.");
        for (int i = 0; i < Math.min(pa.length, pb.length); i++) {
            int c = Integer.compare(Integer.parseInt(pa[i]), Integer.parseInt(pb[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(pa.length, pb.length);
    }
}
