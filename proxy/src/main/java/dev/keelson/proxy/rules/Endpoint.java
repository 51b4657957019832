package dev.keelson.proxy.rules;

import dev.keelson.componentbase.net.Ipv4;

/** One ready backend of a service port: the address and target port traffic is DNATed to. */
public record Endpoint(String ip, int port, String nodeName) implements Comparable<Endpoint> {
    public String hostPort() {
        return ip + ":" + port;
    }

    @Override
    public int compareTo(Endpoint other) {
        int byIp = Ipv4.compare(ip, other.ip);
        return byIp != 0 ? byIp : Integer.compare(port, other.port);
    }
}
