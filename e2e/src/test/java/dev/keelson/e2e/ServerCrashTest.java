package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * `keelson server` killed with SIGKILL (issue 20): its etcd child dies with it (no orphan keeps the data dir), the
 * server starts again on the same data dir with everything it stored, and an etcd that does hold the data dir is
 * named, with its pid and command line, in the error of the next start.
 */
class ServerCrashTest {
    private static final String CIDR = "10.249.0.0/16";
    private static final Pattern ETCD_PID = Pattern.compile("started etcd \\(pid (\\d+)\\)");

    @Test
    void serverKilledLeavesNoEtcdAndStartsAgainWithItsData() throws Exception {
        KeelsonServerProcess first = KeelsonServerProcess.start("keelson-e2e-crash", CIDR, true);
        KeelsonServerProcess last = first;
        try {
            long etcd = etcdPid(first);
            Kubectl.Result created = first.kubectl(null, "create", "configmap", "before-crash", "--from-literal=k=v");
            assertEquals(0, created.code(), created.err());

            first.kill();
            awaitGone(etcd);

            last = first.restartControlPlane(CIDR);
            assertNotEquals(etcd, etcdPid(last));
            Kubectl.Result got = last.kubectl(null, "get", "configmap", "before-crash", "-o", "jsonpath={.data.k}");
            assertEquals(0, got.code(), got.err());
            assertEquals("v", got.out());
        } finally {
            last.close();
        }
    }

    @Test
    void anEtcdHoldingTheDataDirIsNamedInTheError() throws Exception {
        KeelsonServerProcess first = KeelsonServerProcess.start("keelson-e2e-leftover", CIDR, true);
        Path data = first.kubeconfig().getParent().resolve("etcd/data");
        first.kill();
        awaitGone(etcdPid(first));
        // as an etcd left by a crash would: a process holding the server's etcd data dir
        String client = "http://127.0.0.1:" + freePort();
        String peer = "http://127.0.0.1:" + freePort();
        Process leftover = new ProcessBuilder("etcd", "--name", "keelson", "--data-dir", data.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "keelson=" + peer).redirectErrorStream(true)
                .redirectOutput(data.getParent().resolve("leftover.log").toFile()).start();
        try {
            awaitOpen(leftover, data);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> first.restartControlPlane(CIDR).close());
            assertTrue(e.getMessage().contains("the etcd data dir " + data + " is in use by pid " + leftover.pid()
                    + " (etcd --name keelson --data-dir " + data), e.getMessage());
        } finally {
            leftover.destroyForcibly().waitFor();
            first.close();
        }
    }

    private static long etcdPid(KeelsonServerProcess server) {
        Matcher m = ETCD_PID.matcher(server.log());
        assertTrue(m.find(), "no etcd pid in the server's log:\n" + server.logTail());
        return Long.parseLong(m.group(1));
    }

    private static void awaitGone(long pid) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        Optional<ProcessHandle> etcd = ProcessHandle.of(pid);
        while (etcd.isPresent() && etcd.get().isAlive() && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
        }
        assertTrue(etcd.isEmpty() || !etcd.get().isAlive(), "etcd pid " + pid + " outlived its server: "
                + etcd.flatMap(h -> h.info().commandLine()).orElse("?"));
    }

    /** Until the leftover etcd has a file of the data dir open (its database, which it locks). */
    private static void awaitOpen(Process etcd, Path data) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline) && etcd.isAlive() && !holds(etcd.pid(), data)) {
            Thread.sleep(100);
        }
        assertTrue(etcd.isAlive(), "the leftover etcd exited");
        assertTrue(holds(etcd.pid(), data), "the leftover etcd did not open its data dir");
    }

    private static boolean holds(long pid, Path dir) throws Exception {
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).startsWith(dir);
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
