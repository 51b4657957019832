package dev.keelson.apiserver.etcd;

import dev.keelson.apiserver.storage.EtcdTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An etcd child process with a private data dir (0700) and its own PKI, for `keelson server` and for tests. It serves
 * TLS on its client and peer URLs and accepts only clients with a certificate from its own CA (see {@link EtcdPki}),
 * on 127.0.0.1 unless a listen address is given. Once healthy it is supervised ({@link EtcdSupervisor}: restarted
 * when it dies, killed when this JVM dies). Stopping this object stops the process.
 */
public final class EmbeddedEtcd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedEtcd.class);
    /** The file in the etcd dir that names the running etcd's client URL. */
    public static final String ENDPOINT_FILE = "endpoint";
    private final EtcdSupervisor supervisor;
    private final Process process;
    private final int clientPort;
    private final int peerPort;
    private final EtcdPki pki;

    private EmbeddedEtcd(EtcdSupervisor supervisor, Process process, int clientPort, int peerPort, EtcdPki pki) {
        this.supervisor = supervisor;
        this.process = process;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.pki = pki;
    }

    /** Where and how the embedded etcd runs. A port of 0 picks a free port; listenAddress null means loopback only. */
    public record Config(Path dataDir, Path pkiDir, String listenAddress, int clientPort, int peerPort) {}

    /** Starts etcd with its data and its PKI under {@code dataDir} (for tests). */
    public static EmbeddedEtcd start(Path dataDir, int clientPort, int peerPort) {
        return start(new Config(dataDir, dataDir.resolve("pki"), null, clientPort, peerPort));
    }

    public static EmbeddedEtcd start(Config config) {
        try {
            Path dataDir = config.dataDir();
            EtcdPki.privateDir(dataDir);
            EtcdPki.privateDir(dataDir.resolve("data"));
            List<DataDirHolders.Holder> holders = DataDirHolders.of(dataDir.resolve("data"));
            if (!holders.isEmpty()) {
                throw new IllegalStateException("the etcd data dir " + dataDir.resolve("data") + " is in use by "
                        + holders.stream().map(Object::toString).collect(java.util.stream.Collectors.joining(", "))
                        + ": stop it (a server that crashed before this version could leave its etcd) and start again");
            }
            boolean extra = config.listenAddress() != null && !"127.0.0.1".equals(config.listenAddress());
            EtcdPki pki = EtcdPki.ensure(config.pkiDir(), extra ? List.of(config.listenAddress()) : List.of());
            int client = config.clientPort() == 0 ? freePort() : config.clientPort();
            int peer = config.peerPort() == 0 ? freePort() : config.peerPort();
            String clientUrl = "https://127.0.0.1:" + client;
            String listenClient = extra ? clientUrl + ",https://" + config.listenAddress() + ":" + client : clientUrl;
            String peerUrl = "https://127.0.0.1:" + peer;
            List<String> command = new ArrayList<>(List.of(etcdBinary(), "--name", "keelson",
                    "--data-dir", dataDir.resolve("data").toString(),
                    "--listen-client-urls", listenClient, "--advertise-client-urls", clientUrl,
                    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                    "--initial-cluster", "keelson=" + peerUrl,
                    "--logger", "zap", "--log-outputs", "stderr",
                    "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "5m",
                    "--quota-backend-bytes", String.valueOf(4L * 1024 * 1024 * 1024)));
            command.addAll(pki.etcdFlags());
            Path log = dataDir.resolve("etcd.log");
            EtcdSupervisor supervisor = new EtcdSupervisor(command, log);
            Process process;
            try {
                process = supervisor.start();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw e;
            }
            EmbeddedEtcd etcd = new EmbeddedEtcd(supervisor, process, client, peer, pki);
            etcd.awaitHealthy(Duration.ofSeconds(30), log);
            supervisor.supervise();
            // where `keelson etcd-snapshot save` finds this etcd (its port may be a free one)
            Files.writeString(dataDir.resolve(ENDPOINT_FILE), clientUrl + "\n");
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
        javax.net.ssl.SSLSocketFactory tls = clientTls().sslContext().getSocketFactory();
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with code " + process.exitValue() + "; see " + log);
            }
            try {
                HttpsURLConnection conn = (HttpsURLConnection) URI.create(clientUrl() + "/health").toURL()
                        .openConnection();
                conn.setSSLSocketFactory(tls);
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
        return "https://127.0.0.1:" + clientPort;
    }

    /** The apiserver's certificate and the etcd CA: what a client needs to be let in. */
    public EtcdTls clientTls() {
        return pki.apiserverClient();
    }

    public int peerPort() {
        return peerPort;
    }

    /** The pid of the etcd process running now (it changes when a crashed etcd is restarted). */
    public long pid() {
        return supervisor.process().pid();
    }

    /** How many times etcd was restarted after it died. */
    public int restarts() {
        return supervisor.restarts();
    }

    @Override
    public void close() {
        supervisor.stop();
    }
}
