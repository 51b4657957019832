package dev.keelson.scheduler.framework;

/** One host port a pod asks for; two conflict when protocol and port match and either binds all addresses. */
public record HostPort(String ip, String protocol, int port) {
    public static final String ANY_IP = "0.0.0.0";

    public HostPort {
        ip = ip == null || ip.isEmpty() ? ANY_IP : ip;
        protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    }

    public boolean conflictsWith(HostPort other) {
        return port == other.port && protocol.equals(other.protocol)
                && (ip.equals(other.ip) || ANY_IP.equals(ip) || ANY_IP.equals(other.ip));
    }
}
