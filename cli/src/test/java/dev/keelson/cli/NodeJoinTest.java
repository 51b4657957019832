package dev.keelson.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.Pem;
import dev.keelson.controllermanager.ControllerManager;
import dev.keelson.controllermanager.ControllerManagerOptions;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * An agent's join against a real apiserver (real etcd) and the controller-manager's csrapproving and csrsigning: the
 * credentials it gets through a CertificateSigningRequest work with fabric8 and kubectl; a wrong, expired or deleted
 * token is refused; a live node's name is not taken over; certificates are renewed before they expire.
 */
class NodeJoinTest {
    private static TestCluster cluster;
    private static KubernetesClient managerClient;
    private static ControllerManager manager;
    private static NodeBootstrap.Token token;
    private Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start();
        token = NodeBootstrap.Token.parse(Files.readString(cluster.apiServer().nodeTokenFile()));
        managerClient = cluster.newClient();
        Path pki = cluster.apiServer().pkiDir();
        // certificates of 20 s: the rotation test sees them renewed; joins do not mind
        manager = new ControllerManager(managerClient, ControllerManagerOptions.builder().leaderElect(false)
                .bindAddress("127.0.0.1").securePort(0).controllers(List.of("csrapproving", "csrsigning"))
                .clusterSigning(pki.resolve("ca.crt"), pki.resolve("ca.key")).clusterSigningDuration(Duration.ofSeconds(20))
                .build());
        manager.start();
    }

    @AfterAll
    static void stop() {
        manager.close();
        managerClient.close();
        cluster.close();
    }

    @BeforeEach
    void dataDir() throws Exception {
        dataDir = Files.createTempDirectory("keelson-cli-join-");
    }

    @AfterEach
    void removeDataDir() throws Exception {
        try (var files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void joinedNodeKubeconfigWorksWithFabric8AndKubectl() throws Exception {
        String node = "cli-join-node-a";
        NodeJoin.Credentials c = join(node, token);

        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(c.kubeconfig())));
        X509Certificate clientCert = clientCertificate(c);
        clientCert.verify(Pem.certificate(Files.readString(cluster.apiServer().pkiDir().resolve("ca.crt"))).getPublicKey());
        assertTrue(clientCert.getSubjectX500Principal().getName().contains("CN=system:node:" + node));
        String issued = java.util.Base64.getEncoder().encodeToString(Pem.encode(clientCert).getBytes(StandardCharsets.UTF_8));
        var csr = cluster.client().certificates().v1().certificateSigningRequests().list().getItems().stream()
                .filter(r -> r.getStatus() != null && issued.equals(r.getStatus().getCertificate()))
                .findFirst().orElseThrow();
        assertEquals("system:bootstrap:" + token.bootstrapToken().id(), csr.getSpec().getUsername());
        assertEquals("AutoApproved", csr.getStatus().getConditions().get(0).getReason());

        try (KubernetesClient client = KubeClients.fromKubeconfig(c.kubeconfig())) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
        }
        try {
            Path cache = dataDir.resolve("kubectl-cache");
            Process p = new ProcessBuilder("kubectl", "--kubeconfig", c.kubeconfig().toString(), "--cache-dir",
                    cache.toString(), "get", "nodes", node, "-o", "name").start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl did not finish");
            assertEquals(0, p.exitValue(), err);
            assertEquals("node/" + node, out.trim());
        } finally {
            cluster.client().nodes().withName(node).delete();
        }
    }

    @Test
    void tokenPinningAnotherCaIsRefusedAndNothingIsWritten() {
        String otherCa = "0".repeat(64);
        NodeBootstrap.Token wrong = new NodeBootstrap.Token(otherCa, token.secret());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> join("cli-join-node-b", wrong));
        assertTrue(e.getMessage().contains("refusing to join") && e.getMessage().contains(otherCa), e.getMessage());
        assertFalse(Files.exists(NodeJoin.Credentials.in(dataDir).kubeconfig()));
    }

    @Test
    void wrongSecretIsRefusedWithAClearError() {
        NodeBootstrap.Token wrong = new NodeBootstrap.Token(token.caFingerprint(),
                token.bootstrapToken().id() + ".0000000000000000");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> join("cli-join-node-c", wrong));
        assertTrue(e.getMessage().contains("refused the join token (401)"), e.getMessage());
    }

    @Test
    void expiredAndDeletedTokensAreRefused() throws Exception {
        String created = keelson("token", "create", "--ttl", "1s", "--kubeconfig",
                cluster.apiServer().adminKubeconfig().toString()).trim();
        NodeBootstrap.Token expiring = NodeBootstrap.Token.parse(created);
        assertEquals(token.caFingerprint(), expiring.caFingerprint(), "the printed join token pins this cluster's CA");
        Thread.sleep(1_500);
        IllegalStateException expired = assertThrows(IllegalStateException.class, () -> join("cli-join-expired",
                expiring));
        assertTrue(expired.getMessage().contains("refused the join token (401)"), expired.getMessage());

        NodeBootstrap.Token revoked = NodeBootstrap.Token.parse(keelson("token", "create", "--kubeconfig",
                cluster.apiServer().adminKubeconfig().toString()).trim());
        String listed = keelson("token", "list", "--kubeconfig", cluster.apiServer().adminKubeconfig().toString());
        assertTrue(listed.contains(revoked.secret()) && listed.contains("authentication,signing"), listed);
        assertTrue(keelson("token", "delete", revoked.bootstrapToken().id(), "--kubeconfig",
                cluster.apiServer().adminKubeconfig().toString()).contains("deleted"));
        Thread.sleep(500);
        IllegalStateException deleted = assertThrows(IllegalStateException.class, () -> join("cli-join-deleted",
                revoked));
        assertTrue(deleted.getMessage().contains("refused the join token (401)"), deleted.getMessage());
        assertFalse(keelson("token", "list", "--kubeconfig", cluster.apiServer().adminKubeconfig().toString())
                .contains(revoked.secret()));
    }

    @Test
    void aRunningNodesNameIsNotTakenOver() {
        String node = "cli-join-running";
        cluster.client().leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata()
                .withName(node).endMetadata().withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(40)
                .withRenewTime(java.time.ZonedDateTime.now()).endSpec().build()).create();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> join(node, token));
        assertTrue(e.getMessage().contains("has a live Lease") && e.getMessage().contains("denied"), e.getMessage());
        assertFalse(Files.exists(NodeJoin.Credentials.in(dataDir).kubeconfig()));
    }

    @Test
    void clientAndServingCertificatesAreRenewedBeforeTheyExpire() throws Exception {
        String node = "cli-join-rotating";
        NodeJoin.Credentials c = join(node, token);
        X509Certificate first = clientCertificate(c);
        NodeCertificates certs = NodeCertificates.load(URI.create(cluster.url()), node, c);
        java.util.concurrent.atomic.AtomicInteger reloads = new java.util.concurrent.atomic.AtomicInteger();
        try (KubernetesClient client = certs.client()) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("10.77.1.9").endAddress().endStatus().build())
                    .create();
            certs.start(client, reloads::incrementAndGet);
            assertTrue(certs.awaitServing(Duration.ofSeconds(60)), "a serving certificate within a minute");
            X509Certificate serving = Pem.certificate(Files.readString(c.servingCert()));
            assertTrue(serving.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList()
                    .containsAll(List.of(node, "10.77.1.9")), serving.toString());
            // 20 s certificates are renewed at 14-18 s; wait until the first one has expired
            java.time.Instant deadline = java.time.Instant.now().plusSeconds(90);
            while (clientCertificate(c).getSerialNumber().equals(first.getSerialNumber())
                    || java.time.Instant.now().isBefore(first.getNotAfter().toInstant().plusSeconds(1))) {
                assertTrue(java.time.Instant.now().isBefore(deadline), "client certificate not renewed");
                Thread.sleep(200);
            }
            assertTrue(reloads.get() >= 2, "serving certificate renewed and reloaded: " + reloads.get());
            // the running client and a fresh one from the rewritten kubeconfig both work past the first expiry
            assertEquals(node, client.nodes().withName(node).get().getMetadata().getName());
            try (KubernetesClient fresh = KubeClients.fromKubeconfig(c.kubeconfig())) {
                assertEquals(node, fresh.nodes().withName(node).get().getMetadata().getName());
            }
        } finally {
            certs.close();
            cluster.client().nodes().withName(node).delete();
        }
    }

    @Test
    void restartReusesTheCertificatesWithoutAskingTheServer() throws Exception {
        NodeJoin.Credentials first = join("cli-join-node-d", token);
        String kubeconfig = Files.readString(first.kubeconfig());
        // a token the server would refuse: the second start must not need it
        NodeJoin.Credentials second = join("cli-join-node-d",
                new NodeBootstrap.Token(token.caFingerprint(), "abcdef.0000000000000000"));
        assertEquals(kubeconfig, Files.readString(second.kubeconfig()));
    }

    @Test
    void anotherNodeNameOnTheSameDataDirJoinsAgain() throws Exception {
        join("cli-join-node-e", token);
        NodeJoin.Credentials renamed = join("cli-join-node-f", token);
        assertTrue(Files.readString(renamed.kubeconfig()).contains("system:node:cli-join-node-f"));
    }

    @Test
    void agentNeedsExactlyOneOfTokenAndTokenFile() {
        CommandLine cmd = new CommandLine(new AgentCommand());
        cmd.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
        assertEquals(2, cmd.execute("--server", cluster.url(), "--data-dir", dataDir.toString()));
        assertEquals(2, cmd.execute("--server", cluster.url(), "--token", token.toString(), "--token-file", "/nonexistent"));
    }

    @Test
    void malformedTokenIsRejectedBeforeAnyNetworkUse() {
        CommandLine cmd = new CommandLine(new AgentCommand());
        java.io.StringWriter err = new java.io.StringWriter();
        cmd.setErr(new java.io.PrintWriter(err));
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, cmd.execute("--server", cluster.url(), "--token", "abcdef.0123456789abcdef",
                    "--data-dir", dataDir.toString()));
        } finally {
            System.setErr(saved);
        }
        assertTrue(stderr.toString(StandardCharsets.UTF_8).contains("K1<sha256 of the CA>::<token id>.<token secret>"),
                stderr.toString());
    }

    @Test
    void joinWaitsForAServerThatIsNotListeningYet() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String node = "cli-join-node-g";
        URI later = URI.create("https://127.0.0.1:" + port);
        CompletableFuture<NodeJoin.Credentials> joined = CompletableFuture.supplyAsync(() -> {
            try {
                return NodeJoin.ensure(later, token, dataDir, node, Duration.ofSeconds(1));
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        // nothing listens on the port for the first attempts (1 s apart): the join must keep trying, not fail
        Thread.sleep(2_500);
        assertFalse(joined.isDone(), () -> "the join ended while the server was unreachable: " + joined);
        try (Forwarder server = new Forwarder(port, URI.create(cluster.url()).getPort())) {
            NodeJoin.Credentials c = joined.get(60, TimeUnit.SECONDS);
            assertTrue(Files.readString(c.kubeconfig()).contains("server: " + later), "kubeconfig names the join address");
            try (KubernetesClient client = KubeClients.fromKubeconfig(c.kubeconfig())) {
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
            }
        } finally {
            cluster.client().nodes().withName(node).delete();
        }
    }

    /** Forwards a loopback port to the test cluster's: the server "comes up" on the port the agent was given. */
    private static final class Forwarder implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        Forwarder(int port, int target) throws IOException {
            listener = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            daemon(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket in = listener.accept();
                        Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                        open.add(in);
                        open.add(out);
                        pipe(in, out);
                        pipe(out, in);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private static void pipe(Socket from, Socket to) {
            daemon(() -> {
                try {
                    from.getInputStream().transferTo(to.getOutputStream());
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // the other side closed: the copy in the other direction ends the pair
                }
            });
        }

        private static void daemon(Runnable body) {
            Thread t = new Thread(body, "test-forwarder");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private NodeJoin.Credentials join(String node, NodeBootstrap.Token t) throws Exception {
        return NodeJoin.ensure(URI.create(cluster.url()), t, dataDir, node);
    }

    private static X509Certificate clientCertificate(NodeJoin.Credentials c) {
        return Pem.certificate(new String(java.util.Base64.getDecoder().decode(
                KubeClients.configFrom(c.kubeconfig()).getClientCertData()), StandardCharsets.UTF_8));
    }

    /** Runs a keelson subcommand in this JVM and returns what it printed. */
    private static String keelson(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new Keelson()).execute(args);
            assertEquals(0, code, "keelson " + String.join(" ", args) + ": " + out);
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
