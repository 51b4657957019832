package dev.keelson.e2e.multinode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.e2e.multinode.Commands.Result;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cluster made by scripts/cluster.sh under its own --name and subnet, so that two multi-node test classes never
 * touch each other's namespaces, dockerds or etcd members.
 */
final class ScriptedCluster {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptedCluster.class);

    private final String name;
    private final String subnetPrefix;
    private final int nodes;
    private final Path script = KeelsonServerProcess.repositoryRoot().resolve("scripts/cluster.sh");

    /** {@code subnetPrefix} is the first three octets of the /24, e.g. {@code 10.77.0}. */
    ScriptedCluster(String name, String subnetPrefix, int nodes) {
        this.name = name;
        this.subnetPrefix = subnetPrefix;
        this.nodes = nodes;
    }

    /** Removes whatever an earlier run left under this name, then brings the cluster up with {@code upArgs}. */
    void up(String... upArgs) {
        assertEquals("0", Commands.run(10, "id", "-u").out().trim(), "the multi-node cluster needs root (netns, dockerd)");
        script(120, "down");
        List<String> args = new ArrayList<>(List.of("up", "--nodes", String.valueOf(nodes),
                "--subnet", subnetPrefix + ".0/24"));
        args.addAll(List.of(upArgs));
        Result up = script(400, args.toArray(String[]::new));
        if (up.code() != 0) {
            printLogs("cluster up");
        }
        assertEquals(0, up.code(), "cluster.sh up failed:\n" + up);
    }

    void down() {
        LOG.info("cluster {} down: {}", name, script(180, "down"));
    }

    /** Runs {@code scripts/cluster.sh ARGS --name NAME}. */
    Result script(int seconds, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--name", name));
        return Commands.run(seconds, cmd.toArray(String[]::new));
    }

    /** Runs the script and fails the test with its output unless it exits 0. */
    String scriptOk(int seconds, String... args) {
        Result r = script(seconds, args);
        assertEquals(0, r.code(), "cluster.sh " + String.join(" ", args) + ":\n" + r);
        return r.out();
    }

    /** Runs kubectl with the cluster's admin kubeconfig and fails the test unless it exits 0. */
    void kubectlOk(String stdin, String... args) {
        Kubectl.Result r = Kubectl.run(kubeconfig(), stdin, args);
        assertEquals(0, r.code(), "kubectl " + String.join(" ", args) + ":\n" + r);
    }

    void apply(String yaml) {
        kubectlOk(yaml, "apply", "-f", "-");
    }

    Path kubeconfig() {
        return Path.of("/var/lib/" + name + "/admin.kubeconfig");
    }

    String nodeName(int i) {
        return name + "-n" + i;
    }

    String nodeIp(int i) {
        return subnetPrefix + ".1" + i;
    }

    Set<String> allNodeNames() {
        Set<String> names = new TreeSet<>();
        for (int i = 1; i <= nodes; i++) {
            names.add(nodeName(i));
        }
        return names;
    }

    String dockerSocket(int i) {
        return "unix:///run/" + name + "/n" + i + "/docker.sock";
    }

    /** A second tag of an image every node already has: a rollout to it changes the pod template, not the bits. */
    void tagOnEveryNode(String image, String tag) {
        for (int i = 1; i <= nodes; i++) {
            Result r = Commands.run(30, "docker", "-H", dockerSocket(i), "tag", image, tag);
            assertEquals(0, r.code(), "tagging " + tag + " on node " + i + ":\n" + r);
        }
    }

    void awaitHttp200(int fromNode, String url, Duration timeout) {
        Commands.await("HTTP 200 from " + url + " in node " + fromNode, timeout, () -> {
            Result r = Commands.run(10, "ip", "netns", "exec", nodeName(fromNode), "curl", "-s", "-o", "/dev/null",
                    "-m", "3", "-w", "%{http_code}", url);
            return r.out().trim();
        }, "200"::equals);
    }

    /**
     * Waits until node {@code i}'s keelson has printed, since its latest start, that it is up: its node turns Ready
     * before the proxy has synced, and a keelson still starting exits when the apiserver goes away meanwhile.
     */
    void awaitKeelsonUp(int i, Duration timeout) {
        Path log = keelsonLog(i);
        Commands.await("keelson on node " + i + " up", timeout, () -> {
            String text;
            try {
                text = Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String latest = text.substring(text.lastIndexOf("\n=== ") + 1);
            return latest.contains(" is up") ? "up" : latest.substring(Math.max(0, latest.length() - 300));
        }, "up"::equals);
    }

    /** The size of node {@code i}'s keelson log now: a mark for {@link #keelsonLogSince}. */
    long keelsonLogSize(int i) {
        return keelsonLog(i).toFile().length();
    }

    /** The lines node {@code i}'s keelson wrote after {@code mark}. */
    List<String> keelsonLogSince(int i, long mark) {
        try {
            byte[] all = Files.readAllBytes(keelsonLog(i));
            int from = (int) Math.min(mark, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path keelsonLog(int i) {
        return Path.of("/var/lib/" + name + "/n" + i + "/keelson.log");
    }

    /** The tails of every node's logs (keelson, dockerd, and etcd where a member runs) and the cluster's status. */
    void printLogs(String when) {
        StringBuilder out = new StringBuilder("node logs after failure of ").append(when).append('\n');
        for (int i = 1; i <= nodes; i++) {
            for (String file : List.of("keelson.log", "dockerd.log", "etcd.log")) {
                Path log = Path.of("/var/lib/" + name + "/n" + i + "/" + file);
                if (!Files.exists(log)) {
                    continue;
                }
                int lines = file.equals("keelson.log") ? 150 : 30;
                out.append("---- ").append(log).append(" (last ").append(lines).append(" lines)\n")
                        .append(tail(log, lines));
            }
        }
        out.append("---- cluster status\n").append(script(60, "status").out());
        LOG.error("{}", out);
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        } catch (IOException | UncheckedIOException e) {
            return "(" + e + ")\n";
        }
    }
}
