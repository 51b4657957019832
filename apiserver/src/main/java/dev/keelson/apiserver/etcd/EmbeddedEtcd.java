package dev.keelson.apiserver.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd child process with a private data dir and loopback URLs, for `keelson server` and for tests.
 * Stopping this object stops the process.
 */
public final class EmbeddedEtcd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedEtcd.class);
    private final Process process;
    private final int clientPort;
    private final int peerPort;

    private EmbeddedEtcd(Process process, int clientPort, int peerPort) {
        this.process = process;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
    }

    /** Starts etcd with its data under {@code dataDir}; a port of 0 picks a free loopback port. */
    public static EmbeddedEtcd start(Path dataDir, int clientPort, int peerPort) {
        try {
            Files.createDirectories(dataDir);
            int client = clientPort == 0 ? freePort() : clientPort;
            int peer = peerPort == 0 ? freePort() : peerPort;
            String clientUrl = "http://127.0.0.1:" + client;
            String peerUrl = "http://127.0.0.1:" + peer;
            List<String> command = List.of(etcdBinary(), "--name", "keelson",
                    "--data-dir", dataDir.resolve("data").toString(),
                    "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                    "--initial-cluster", "keelson=" + peerUrl,
                    "--logger", "zap", "--log-outputs", "stderr",
                    "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "5m",
                    "--quota-backend-bytes", String.valueOf(4L * 1024 * 1024 * 1024));
            Path log = dataDir.resolve("etcd.log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            EmbeddedEtcd etcd = new EmbeddedEtcd(process, client, peer);
            etcd.awaitHealthy(Duration.ofSeconds(30), log);
            LOG.info("etcd started (pid {}) on {}", process.pid(), clientUrl);
            return etcd;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start etcd: " + e.getMessage(), e);
        }
    }

    private static String etcdBinary() {
        for (String candidate : List.of("/usr/bin/etcd", "/usr/local/bin/etcd")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return "etcd";
    }

    private void awaitHealthy(Duration timeout, Path log) {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with code " + process.exitValue() + "; see " + log);
            }
            try {
                HttpURLConnection conn = (HttpURLConnection) URI.create(clientUrl() + "/health").toURL().openConnection();
                conn.setConnectTimeout(500);
                conn.setReadTimeout(1000);
                if (conn.getResponseCode() == 200) {
                    String body = new String(conn.getInputStream().readAllBytes());
                    if (body.contains("true")) {
                        return;
                    }
                    last = body;
                }
            } catch (IOException e) {
                last = e.getMessage();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd");
            }
        }
        close();
        throw new IllegalStateException("etcd not healthy after " + timeout.toSeconds() + " s (last: " + last + "); see " + log);
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String clientUrl() {
        return "http://127.0.0.1:" + clientPort;
    }

    public int peerPort() {
        return peerPort;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
