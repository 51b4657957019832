package dev.keelson.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real `keelson server` (this build's modules, see {@link #keelson}) as a child process on the host's Docker Engine: its own
 * data dir, free ports, a node name and pod network of its own, so that it can run beside anything else.
 * Closing it stops exactly that process and removes what its kubelet left in Docker.
 */
public final class KeelsonServerProcess implements AutoCloseable {
    private final Path dataDir;
    private final String nodeName;
    private final Process process;
    private final Path log;

    private KeelsonServerProcess(Path dataDir, String nodeName, Process process, Path log) {
        this.dataDir = dataDir;
        this.nodeName = nodeName;
        this.process = process;
        this.log = log;
    }

    /** Starts a server whose node is {@code nodeName}, with pods in {@code clusterCidr}, and waits for node Ready. */
    public static KeelsonServerProcess start(String nodeName, String clusterCidr) {
        return start(nodeName, clusterCidr, false);
    }

    /**
     * Starts a server; with {@code controlPlaneOnly} it runs no kubelet (--disable-agent) and {@code nodeName} is
     * only used to name its files; otherwise waits for its node to be Ready.
     */
    public static KeelsonServerProcess start(String nodeName, String clusterCidr, boolean controlPlaneOnly) {
        return start(nodeName, clusterCidr, controlPlaneOnly, List.of());
    }

    /** As {@link #start(String, String, boolean)}, with more flags of `keelson server`. */
    public static KeelsonServerProcess start(String nodeName, String clusterCidr, boolean controlPlaneOnly,
                                             List<String> extraArgs) {
        Path root = repositoryRoot();
        ensureImages(root);
        try {
            return startIn(Files.createTempDirectory("keelson-e2e-" + nodeName + "-"), nodeName, clusterCidr,
                    controlPlaneOnly, extraArgs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A control-plane-only server started again on this one's data dir (after {@link #kill}); close only the new one. */
    public KeelsonServerProcess restartControlPlane(String clusterCidr) {
        return startIn(dataDir.getParent(), nodeName, clusterCidr, true, List.of());
    }

    /** Kills the server with SIGKILL, as a crash would: no shutdown hook runs. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The whole log of this server process. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeelsonServerProcess startIn(Path dir, String nodeName, String clusterCidr,
                                                boolean controlPlaneOnly, List<String> extraArgs) {
        try {
            Path log = dir.resolve("server.log");
            Files.deleteIfExists(log);
            List<String> cmd = keelson("server", "--data-dir", dir.resolve("data").toString(), "--secure-port", "0",
                    "--kubelet-port", "0", "--component-ports-free", "--node-name", nodeName, "--cluster-cidr",
                    clusterCidr);
            if (controlPlaneOnly) {
                cmd.add("--disable-agent");
            }
            cmd.addAll(extraArgs);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            KeelsonServerProcess server = new KeelsonServerProcess(dir.resolve("data"), nodeName, p, log);
            try {
                if (controlPlaneOnly) {
                    server.awaitLogLine("keelson server is up", Duration.ofSeconds(120));
                } else {
                    server.awaitNodeReady(Duration.ofSeconds(120));
                }
            } catch (RuntimeException | Error e) {
                // also on an Error: a server left running would later remove the containers of its node name
                server.close();
                throw e;
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean imagesBuilt;

    /** The pause, nginx and busybox images (no registry here): scripts/build-images.sh skips those that exist. */
    static synchronized void ensureImages(Path root) {
        if (imagesBuilt) {
            return;
        }
        try {
            Process p = new ProcessBuilder("bash", root.resolve("scripts/build-images.sh").toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("scripts/build-images.sh failed:\n" + out);
            }
            imagesBuilt = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The apiserver's URL as the server printed it. */
    public String url() {
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("apiserver (https://[0-9.]+:[0-9]+)")
                        .matcher(line);
                if (m.find()) {
                    return m.group(1);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("the server has not printed its address yet:\n" + logTail());
    }

    public Path nodeTokenFile() {
        return dataDir.resolve("node-token");
    }

    private void awaitLogLine(String text, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("keelson server exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                if (Files.readString(log).contains(text)) {
                    return;
                }
            } catch (IOException ignored) {
                // not written yet
            }
            sleep(200);
        }
        throw new IllegalStateException("no \"" + text + "\" within " + timeout + ":\n" + logTail());
    }

    public Path kubeconfig() {
        return dataDir.resolve("admin.kubeconfig");
    }

    public String nodeName() {
        return nodeName;
    }

    /** Runs kubectl against this server. */
    public Kubectl.Result kubectl(String stdin, String... args) {
        return Kubectl.run(kubeconfig(), stdin, args);
    }

    private void awaitNodeReady(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("keelson server exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (Files.exists(kubeconfig())) {
                Kubectl.Result r = kubectl(null, "get", "node", nodeName, "-o",
                        "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
                last = r.out() + r.err();
                if (r.code() == 0 && r.out().equals("True")) {
                    return;
                }
            }
            sleep(500);
        }
        throw new IllegalStateException("node " + nodeName + " not Ready within " + timeout + " (last: " + last + "):\n"
                + logTail());
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeDockerLeftovers(nodeName);
        try (Stream<Path> files = Files.walk(dataDir.getParent())) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    /** What a stopped kubelet of {@code nodeName} leaves in Docker: its pods' containers and its pod network. */
    public static void removeDockerLeftovers(String nodeName) {
        List<String> ids = new ArrayList<>(List.of(docker("ps", "-aq", "--filter", "label=dev.keelson.node=" + nodeName)
                .split("\\s+")));
        ids.removeIf(String::isBlank);
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(ids);
            docker(rm.toArray(String[]::new));
        }
        docker("network", "rm", "keelson-" + nodeName);
    }

    private static String docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The `keelson` command line with {@code args}, run by this JVM's java from the test's own classpath: exactly
     * the modules Maven resolved for this build, whatever an earlier build left in cli/target/lib.
     */
    public static List<String> keelson(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), "dev.keelson.cli.Keelson"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The repository this build runs in (the e2e module's parent). */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bin/keelson"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("bin/keelson not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
