package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default local-path StorageClass on a real server (Docker, kubectl 1.32): a Deployment's claim is provisioned on
 * the node its pod was scheduled to, the data written there survives {@code kubectl rollout restart}, and deleting
 * the claim removes the volume's directory from the node.
 */
class KubectlStorageTest {
    static KeelsonServerProcess server;

    static final String APP = """
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests:
                  storage: 64Mi
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: writer
            spec:
              replicas: 1
              strategy:
                type: Recreate
              selector:
                matchLabels: {app: writer}
              template:
                metadata:
                  labels: {app: writer}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: writer
                    image: busybox:1.35
                    command: ["sh", "-c", "echo started >> /data/starts; exec sleep 3600"]
                    volumeMounts:
                    - {name: data, mountPath: /data}
                  volumes:
                  - name: data
                    persistentVolumeClaim: {claimName: data}
            """;

    @BeforeAll
    static void start() {
        server = KeelsonServerProcess.start("keelson-e2e-storage", "10.249.0.0/16");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Kubectl.Result ok(String stdin, String... args) {
        Kubectl.Result r = server.kubectl(stdin, args);
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r);
        return r;
    }

    private static <T> T await(String what, Duration timeout, Supplier<T> observe, Predicate<T> done) {
        Instant deadline = Instant.now().plus(timeout);
        T last = observe.get();
        while (!done.test(last)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = observe.get();
        }
        return last;
    }

    private static Path storageDir() {
        return server.nodeTokenFile().getParent().resolve("kubelet").resolve("storage");
    }

    private static List<Path> volumeDirs() {
        if (!Files.isDirectory(storageDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(storageDir())) {
            return s.toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> starts(Path dir) {
        try {
            Path f = dir.resolve("starts");
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void deploymentKeepsItsDataAcrossARolloutRestartAndTheClaimsDirectoryGoesWithIt() {
        String classes = ok(null, "get", "storageclass").out();
        assertTrue(classes.lines().anyMatch(l -> l.matches("local-path \\(default\\)\\s+keelson\\.dev/local-path\\s+"
                + "Delete\\s+WaitForFirstConsumer\\s+false\\s+\\S+")), classes);

        ok(APP, "apply", "-f", "-");
        ok(null, "rollout", "status", "deployment/writer", "--timeout=180s");
        String claim = await("claim Bound", Duration.ofSeconds(60),
                () -> server.kubectl(null, "get", "pvc", "data", "--no-headers").out(), s -> s.contains("Bound"));
        String volume = ok(null, "get", "pvc", "data", "-o", "jsonpath={.spec.volumeName}").out();
        assertTrue(claim.matches("data\\s+Bound\\s+" + volume + "\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>\\s+\\S+\\s*"),
                claim);
        assertEquals(server.nodeName(), ok(null, "get", "pvc", "data", "-o",
                "jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}").out());
        String pv = ok(null, "get", "pv", volume, "--no-headers").out();
        assertTrue(pv.matches(volume + "\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+local-path\\s+<unset>"
                + "\\s+\\S+\\s*"), pv);

        List<Path> dirs = volumeDirs();
        assertEquals(1, dirs.size(), dirs.toString());
        Path dir = dirs.get(0);
        assertTrue(dir.getFileName().toString().startsWith(volume + "_default_data"), dir.toString());
        await("the first pod's write", Duration.ofSeconds(60), () -> starts(dir), l -> l.size() == 1);

        ok(null, "rollout", "restart", "deployment/writer");
        ok(null, "rollout", "status", "deployment/writer", "--timeout=180s");
        await("the restarted pod's write beside the first", Duration.ofSeconds(60), () -> starts(dir),
                l -> l.equals(List.of("started", "started")));

        ok(null, "delete", "deployment", "writer");
        ok(null, "delete", "pvc", "data", "--timeout=120s");
        await("the volume's directory removed", Duration.ofSeconds(90), () -> Files.exists(dir), e -> !e);
        await("the volume deleted", Duration.ofSeconds(60),
                () -> server.kubectl(null, "get", "pv", volume).err(), e -> e.contains("NotFound"));
    }
}
