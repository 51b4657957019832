package dev.keelson.proxy.e2e;

import dev.keelson.proxy.system.CommandRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A node made of network namespaces on the real kernel: a "host" namespace with a pod bridge (10.244.213.0/24)
 * and a link (node address 172.31.213.1) to a second node, "pods" in their own namespaces running {@link EchoServer}, and a second node reached
 * over a veth link whose pod (10.244.214.10) is reachable only through a host-gw route. Every name carries a
 * random suffix; {@link #close()} removes everything it made, including the servers it started.
 */
final class NodeNetwork implements AutoCloseable {
    static final String NODE_IP = "172.31.213.1";
    static final String NODE2_IP = "172.31.213.2";
    static final String NODE2_POD_CIDR = "10.244.214.0/24";
    static final String NODE2_POD_IP = "10.244.214.10";
    static final int TCP_PORT = 8080;
    static final int UDP_PORT = 5353;

    private final CommandRunner root = new CommandRunner(List.of());
    private final String id = String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> servers = new ArrayList<>();
    private final Map<String, String> podIps = new LinkedHashMap<>();
    final String host = "kpx" + id + "-host";

    NodeNetwork() {
        try {
            build();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void build() {
        addNamespace(host);
        inHost("ip", "link", "set", "lo", "up");
        inHost("sysctl", "-qw", "net.ipv4.ip_forward=1");
        inHost("ip", "link", "add", "kxbr", "type", "bridge");
        inHost("ip", "addr", "add", "10.244.213.1/24", "dev", "kxbr");
        inHost("ip", "link", "set", "kxbr", "up");

        String node2 = "kpx" + id + "-node2";
        addNamespace(node2);
        sh("ip", "link", "add", "kx" + id + "n2", "netns", host, "type", "veth", "peer", "name", "eth0", "netns", node2);
        inHost("ip", "addr", "add", NODE_IP + "/30", "dev", "kx" + id + "n2");
        inHost("ip", "link", "set", "kx" + id + "n2", "up");
        // Service IPs are owned by no interface: a default route lets the first lookup pass before DNAT. It
        // leads to the pod bridge, not to node2, so node2's pods are reachable only through a pod route.
        inHost("ip", "route", "add", "default", "dev", "kxbr");
        in(node2, "ip", "link", "set", "lo", "up");
        in(node2, "ip", "addr", "add", NODE2_IP + "/30", "dev", "eth0");
        in(node2, "ip", "link", "set", "eth0", "up");
        in(node2, "ip", "route", "add", "default", "via", NODE_IP);
        in(node2, "ip", "addr", "add", NODE2_POD_IP + "/32", "dev", "lo");
        startServer(node2, "node2-pod");
        podIps.put("node2-pod", NODE2_POD_IP);
    }

    /** Adds a pod on the host's bridge and starts its server; returns its IP. */
    String addPod(String name, int index) {
        String ns = "kpx" + id + "-" + name;
        String ip = "10.244.213." + (10 + index);
        addNamespace(ns);
        String hostSide = "kx" + id + "p" + index;
        sh("ip", "link", "add", hostSide, "netns", host, "type", "veth", "peer", "name", "eth0", "netns", ns);
        inHost("ip", "link", "set", hostSide, "master", "kxbr", "up");
        in(ns, "ip", "link", "set", "lo", "up");
        in(ns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
        in(ns, "ip", "link", "set", "eth0", "up");
        in(ns, "ip", "route", "add", "default", "via", "10.244.213.1");
        startServer(ns, name);
        podIps.put(name, ip);
        return ip;
    }

    String podNamespace(String name) {
        return "kpx" + id + "-" + name;
    }

    List<String> hostPrefix() {
        return List.of("ip", "netns", "exec", host);
    }

    CommandRunner.Result inHost(String... args) {
        return in(host, args);
    }

    CommandRunner.Result in(String ns, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        command.addAll(List.of(args));
        return root.run(command).orThrow();
    }

    /** Runs a command in a namespace without failing on a non-zero exit. */
    CommandRunner.Result tryIn(String ns, String... args) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        command.addAll(List.of(args));
        return root.run(command);
    }

    private void sh(String... args) {
        root.run(List.of(args)).orThrow();
    }

    private void addNamespace(String ns) {
        sh("ip", "netns", "add", ns);
        namespaces.add(ns);
    }

    private void startServer(String ns, String name) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, java, "-Xmx24m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-cp", classpath, EchoServer.class.getName(), name,
                    Integer.toString(TCP_PORT), Integer.toString(UDP_PORT))
                    .redirectErrorStream(true).redirectOutput(Path.of("/dev/null").toFile()).start();
            servers.add(p);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start echo server in " + ns, e);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!tryIn(ns, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + TCP_PORT).ok()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("echo server in " + ns + " did not listen within 30 s");
            }
            sleep(100);
        }
    }

    /** HTTP GET from the host namespace; returns the first word of the answer (the pod name) or curl's error. */
    Answer curlFromHost(String ipPort) {
        return curl(host, ipPort);
    }

    /** Retries until some pod answers, for when the rules may not be in place yet. */
    Answer curlFromHostUntilAnswered(String ipPort, java.time.Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        Answer a = curlFromHost(ipPort);
        while (!a.answered() && System.nanoTime() < deadline) {
            sleep(200);
            a = curlFromHost(ipPort);
        }
        if (!a.answered()) {
            throw new AssertionError("no answer from " + ipPort + " within " + within + ": " + a);
        }
        return a;
    }

    Answer curl(String ns, String ipPort) {
        CommandRunner.Result r = tryIn(ns, "curl", "-sS", "--max-time", "5", "http://" + ipPort + "/");
        return Answer.of(r);
    }

    /**
     * One datagram from the host namespace through a fresh socket; the answer or the failure. dd reads the
     * reply in one read: bash's read would take one byte and discard the rest of the datagram.
     */
    Answer udpFromHost(String ip, int port) {
        CommandRunner.Result r = tryIn(host, "bash", "-c", "exec 3<>/dev/udp/" + ip + "/" + port
                + " && printf ping >&3 && timeout 2 dd bs=512 count=1 status=none <&3");
        return Answer.of(r);
    }

    /** What a client saw: which pod answered and from which source address it saw the request. */
    record Answer(int exitCode, String pod, String clientIp, String raw) {
        static Answer of(CommandRunner.Result r) {
            String[] words = r.stdout().trim().split("\\s+");
            boolean ok = r.ok() && words.length == 2;
            return new Answer(r.exitCode(), ok ? words[0] : null, ok ? words[1] : null,
                    (r.stdout() + r.stderr()).trim());
        }

        boolean answered() {
            return pod != null;
        }
    }

    /** A TCP connect from a namespace; bash reports "Connection refused" in words, curl does not. */
    Answer connect(String ns, String ipPort) {
        String[] p = ipPort.split(":");
        return Answer.of(tryIn(ns, "timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/" + p[0] + "/" + p[1]));
    }

    /**
     * Gives the host namespace what a real node has before any proxy runs: a NAT rule of its own (Docker's, on a
     * real host) and Docker's FORWARD DROP policy, so cleanup is checked against a host whose nat table exists.
     */
    void prepareLikeADockerHost() {
        inHost("iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", "MASQUERADE");
        inHost("iptables-nft", "-P", "FORWARD", "DROP");
    }

    String iptablesSave() {
        return inHost("iptables-nft-save").stdout().lines()
                .filter(l -> !l.startsWith("#"))
                .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "[0:0]"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    String routes() {
        return inHost("ip", "-4", "route", "show", "table", "all").stdout();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (Process p : servers) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            root.run(List.of("ip", "netns", "del", namespaces.get(i)));
        }
    }
}
