package dev.keelson.e2e;

import dev.keelson.e2e.support.Kubectl;
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
 * A `keelson server` child JVM started from this test's own classpath, so that it runs exactly the modules Maven
 * resolved for this build (a cli/target/lib left over from an earlier build can hold two protobuf-java versions).
 * Own data dir, free ports, its own node name and pod network; closing it removes what its kubelet left in Docker.
 */
final class KubectlScenarioServer implements AutoCloseable {
    private final Path dir;
    private final String nodeName;
    private final Process process;

    private KubectlScenarioServer(Path dir, String nodeName, Process process) {
        this.dir = dir;
        this.nodeName = nodeName;
        this.process = process;
    }

    static KubectlScenarioServer start(String nodeName, String clusterCidr) {
        try {
            buildImages();
            Path dir = Files.createTempDirectory("keelson-e2e-" + nodeName + "-");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> cmd = List.of(java.toString(), "-Xms64m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), "dev.keelson.cli.Keelson", "server",
                    "--data-dir", dir.resolve("data").toString(), "--secure-port", "0", "--kubelet-port", "0",
                    "--component-ports-free", "--node-name", nodeName, "--cluster-cidr", clusterCidr);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("server.log").toFile()).start();
            KubectlScenarioServer server = new KubectlScenarioServer(dir, nodeName, p);
            boolean ready = false;
            try {
                server.awaitNodeReady(Duration.ofSeconds(120));
                ready = true;
            } finally {
                // on any failure, errors included: a server left running would remove a later run's containers
                if (!ready) {
                    server.close();
                }
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pause, nginx and busybox images the scenario's pods use, built by the project's script if missing. */
    private static void buildImages() throws IOException {
        Path script = Path.of("..", "scripts", "build-images.sh").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("build-images.sh failed:\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Path kubeconfig() {
        return dir.resolve("data/admin.kubeconfig");
    }

    String nodeName() {
        return nodeName;
    }

    Kubectl.Result kubectl(String stdin, String... args) {
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
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("node " + nodeName + " not Ready within " + timeout + " (last: " + last + "):\n"
                + logTail());
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("server.log"), StandardCharsets.UTF_8);
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
        List<String> ids = new ArrayList<>(List.of(docker("ps", "-aq", "--filter", "label=dev.keelson.node=" + nodeName)
                .split("\\s+")));
        ids.removeIf(String::isBlank);
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(ids);
            docker(rm.toArray(String[]::new));
        }
        docker("network", "rm", "keelson-" + nodeName);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
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
}
