package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `kubectl top` against a real `keelson server` process on Docker: the kubelet reads a busy container's cgroup, the
 * apiserver scrapes the kubelet's /metrics/resource and serves metrics.k8s.io.
 */
class KubectlTopTest {
    static KeelsonServerProcess server;

    static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: burn, labels: {app: burn}}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: loop
                image: busybox:1.35
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'while true; do :; done']
                resources: {requests: {cpu: 100m}, limits: {cpu: 300m}}
            """;

    @BeforeAll
    static void start() {
        server = KeelsonServerProcess.start("keelson-e2e-top", "10.247.0.0/16");
        Kubectl.Result r = server.kubectl(POD, "apply", "-f", "-");
        assertEquals(0, r.code(), r.toString());
        Kubectl.Result ready = server.kubectl(null, "wait", "--for=condition=Ready", "pod/burn", "--timeout=120s");
        assertEquals(0, ready.code(), ready + "\n" + server.logTail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        HostProxyRules.cleanUp();
    }

    /** Runs kubectl until it succeeds (metrics need two scrapes, 15 s apart), for at most 90 s. */
    private static Kubectl.Result until(String... args) throws InterruptedException {
        long deadline = System.nanoTime() + 90_000_000_000L;
        Kubectl.Result r;
        do {
            r = server.kubectl(null, args);
            if (r.code() == 0 && !r.out().isBlank()) {
                return r;
            }
            Thread.sleep(1000);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not succeed in 90 s; last: " + r);
    }

    private static List<String> row(String out, int line) {
        return List.of(out.strip().split("\n")[line].trim().split("\\s+"));
    }

    @Test
    void topPodShowsTheBusyLoopsCpuAndMemory() throws Exception {
        Kubectl.Result r = until("top", "pod", "burn");
        assertEquals(List.of("NAME", "CPU(cores)", "MEMORY(bytes)"), row(r.out(), 0), r.out());
        List<String> burn = row(r.out(), 1);
        assertEquals("burn", burn.get(0), r.out());
        assertTrue(burn.get(1).matches("\\d+m"), r.out());
        int milli = Integer.parseInt(burn.get(1).replace("m", ""));
        assertTrue(milli >= 100 && milli <= 330, "a loop limited to 300m uses about that much, got " + r.out());
        assertTrue(burn.get(2).matches("\\d+(Ki|Mi)"), r.out());

        Kubectl.Result containers = until("top", "pod", "--containers", "-l", "app=burn");
        assertEquals(List.of("POD", "NAME", "CPU(cores)", "MEMORY(bytes)"), row(containers.out(), 0), containers.out());
        assertEquals(List.of("burn", "loop"), row(containers.out(), 1).subList(0, 2), containers.out());

        Kubectl.Result all = until("top", "pod", "-A");
        assertTrue(all.out().lines().anyMatch(l -> l.matches("default\\s+burn\\s+\\d+m\\s+\\d+\\S+\\s*")), all.out());
    }

    @Test
    void topNodeShowsTheNode() throws Exception {
        Kubectl.Result r = until("top", "node");
        assertEquals(List.of("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"), row(r.out(), 0), r.out());
        List<String> node = row(r.out(), 1);
        assertEquals("keelson-e2e-top", node.get(0), r.out());
        assertTrue(node.get(1).matches("\\d+m?") && node.get(2).matches("\\d+%") && node.get(3).matches("\\d+Mi")
                && node.get(4).matches("\\d+%"), r.out());
    }
}
