package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * `keelson agent` joining a control-plane-only `keelson server` with the join token, as two real processes: the
 * node registers with the identity it got through a CertificateSigningRequest, runs a pod whose logs the apiserver
 * fetches over HTTPS from the agent's kubelet (a serving certificate asked for with the node's own credential),
 * reuses its certificates on restart; a wrong or revoked token is refused and a running node's name is not taken
 * over.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentJoinTest {
    static final String NODE = "keelson-e2e-agent";
    static final String CIDR = "10.254.0.0/16";
    static KeelsonServerProcess server;
    static Path work;
    static Process agent;

    @BeforeAll
    static void start() throws IOException {
        server = KeelsonServerProcess.start("keelson-e2e-cp", CIDR, true);
        work = Files.createTempDirectory("keelson-e2e-agent-");
    }

    @AfterAll
    static void stop() throws IOException {
        stopAgent();
        KeelsonServerProcess.removeDockerLeftovers(NODE);
        if (server != null) {
            server.close();
        }
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        HostProxyRules.cleanUp();
    }

    static Process startAgent(String tokenFile, Path log) throws IOException {
        List<String> cmd = KeelsonServerProcess.keelson("agent", "--server", server.url(), "--token-file", tokenFile,
                "--data-dir", work.resolve("agent").toString(), "--node-name", NODE, "--kubelet-port", "0",
                "--component-ports-free", "--cluster-cidr", CIDR);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static void stopAgent() {
        if (agent != null) {
            agent.destroy();
            try {
                if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                    agent.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            agent = null;
        }
    }

    /** Waits until the agent says it is up (its node object may still be Ready from before a restart), then Ready. */
    static void awaitNodeReady(Path log) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (!Files.readString(log).contains("keelson agent is up")) {
            assertTrue(agent.isAlive(), "agent exited:\n" + Files.readString(log));
            assertTrue(Instant.now().isBefore(deadline), "agent not up:\n" + Files.readString(log));
            sleep(200);
        }
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            assertTrue(agent.isAlive(), "agent exited:\n" + Files.readString(log));
            Kubectl.Result r = server.kubectl(null, "get", "node", NODE, "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
            last = r.out() + r.err();
            if ("True".equals(r.out())) {
                return;
            }
            sleep(500);
        }
        throw new AssertionError("node " + NODE + " not Ready (last: " + last + "):\n" + Files.readString(log));
    }

    @Test
    @Order(1)
    void agentJoinsWithTheTokenAndItsNodeBecomesReady() throws Exception {
        Path log = work.resolve("agent-1.log");
        agent = startAgent(server.nodeTokenFile().toString(), log);
        awaitNodeReady(log);
        Path kubeconfig = work.resolve("agent/kubelet.kubeconfig");
        assertTrue(Files.readString(kubeconfig).contains("system:node:" + NODE));
        // the node's own identity works against the apiserver
        Kubectl.Result asNode = Kubectl.run(kubeconfig, null, "get", "node", NODE, "-o", "name");
        assertEquals(0, asNode.code(), asNode.toString());
        assertEquals("node/" + NODE, asNode.out());
    }

    @Test
    @Order(2)
    void logsOfAPodOnTheAgentComeThroughTheApiServer() {
        String pod = """
                apiVersion: v1
                kind: Pod
                metadata: {name: hello}
                spec:
                  nodeName: %s
                  terminationGracePeriodSeconds: 0
                  containers:
                  - name: hello
                    image: busybox:1.35
                    imagePullPolicy: IfNotPresent
                    command: [sh, -c, 'echo hello from the agent; exec sleep 3600']
                """.formatted(NODE);
        assertEquals(0, server.kubectl(pod, "apply", "-f", "-").code());
        Kubectl.Result ready = server.kubectl(null, "wait", "--for=condition=Ready", "pod/hello", "--timeout=90s");
        assertEquals(0, ready.code(), ready.toString());
        Kubectl.Result logs = server.kubectl(null, "logs", "hello");
        assertEquals(0, logs.code(), logs.toString());
        assertEquals("hello from the agent", logs.out());
        Kubectl.Result exec = server.kubectl(null, "exec", "hello", "--", "hostname");
        assertEquals("hello", exec.out(), exec.toString());
    }

    @Test
    @Order(3)
    void restartedAgentReusesItsCertificates() throws Exception {
        Path serving = work.resolve("agent/pki/kubelet.crt");
        byte[] before = Files.readAllBytes(serving);
        stopAgent();
        Path log = work.resolve("agent-2.log");
        agent = startAgent(server.nodeTokenFile().toString(), log);
        awaitNodeReady(log);
        assertArrayEquals(before, Files.readAllBytes(serving));
        assertTrue(Files.readString(log).contains("reuses its certificates"), Files.readString(log));
    }

    @Test
    @Order(4)
    void tokenNamingAnotherCaIsRefused() throws Exception {
        String token = Files.readString(server.nodeTokenFile()).trim();
        String otherCa = "K1" + "0".repeat(64) + token.substring(token.indexOf("::"));
        Kubectl.Result r = joinOnce(otherCa, "other-ca");
        assertNotEquals(0, r.code());
        assertTrue(r.out().contains("is not the one the join token names") && r.out().contains("refusing to join"), r.out());
    }

    @Test
    @Order(5)
    void wrongSecretIsRefusedByTheServer() throws Exception {
        String token = Files.readString(server.nodeTokenFile()).trim();
        String wrong = token.substring(0, token.indexOf("::") + 2) + "abcdef.0000000000000000";
        Kubectl.Result r = joinOnce(wrong, "wrong-secret");
        assertNotEquals(0, r.code());
        assertTrue(r.out().contains("refused the join token (401)"), r.out());
    }

    @Test
    @Order(6)
    void revokedTokenIsRefusedAndALiveNodeIsNotTakenOver() throws Exception {
        Kubectl.Result created = keelsonCli("token", "create", "--ttl", "1h", "--kubeconfig",
                server.kubeconfig().toString());
        assertEquals(0, created.code(), created.toString());
        String token = created.out().trim();
        // a fresh token still cannot take the name of the agent that runs (its Lease is live)
        Kubectl.Result takeover = joinOnce(token, "takeover", NODE);
        assertNotEquals(0, takeover.code());
        assertTrue(takeover.out().contains("has a live Lease"), takeover.out());
        Kubectl.Result csrs = server.kubectl(null, "get", "csr");
        assertTrue(csrs.out().contains("Denied"), csrs.toString());

        Kubectl.Result deleted = keelsonCli("token", "delete", token, "--kubeconfig", server.kubeconfig().toString());
        assertEquals(0, deleted.code(), deleted.toString());
        Kubectl.Result r = joinOnce(token, "revoked");
        assertNotEquals(0, r.code());
        assertTrue(r.out().contains("refused the join token (401)"), r.out());
    }

    static Kubectl.Result keelsonCli(String... args) throws Exception {
        Process p = new ProcessBuilder(KeelsonServerProcess.keelson(args)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keelson " + String.join(" ", args) + " finished");
        return new Kubectl.Result(p.exitValue(), out, "");
    }

    static Kubectl.Result joinOnce(String token, String name) throws Exception {
        return joinOnce(token, name, "keelson-e2e-" + name);
    }

    /** An agent with its own data dir and node name that must fail before it starts anything. */
    static Kubectl.Result joinOnce(String token, String name, String nodeName) throws Exception {
        List<String> cmd = KeelsonServerProcess.keelson("agent",
                "--server", server.url(), "--token", token, "--data-dir", work.resolve(name).toString(),
                "--node-name", nodeName, "--kubelet-port", "0", "--component-ports-free");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("agent with a bad token kept running:\n" + out);
        }
        return new Kubectl.Result(p.exitValue(), out, "");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
