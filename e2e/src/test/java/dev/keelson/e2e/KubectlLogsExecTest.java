package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `kubectl logs` and `kubectl exec` against a real `keelson server` process: the apiserver forwards pods/log and
 * pods/exec over HTTPS (client certificate, cluster CA) to the kubelet, which reads Docker.
 */
class KubectlLogsExecTest {
    static KeelsonServerProcess server;

    static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: talk}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: a
                image: busybox:1.35
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'echo from a 1; echo from a 2; echo from a 3; while true; do echo tick; sleep 1; done']
              - name: b
                image: busybox:1.35
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'echo from b 1; echo from b 2; exec sleep 3600']
            """;

    @BeforeAll
    static void start() {
        server = KeelsonServerProcess.start("keelson-e2e-logs", "10.252.0.0/16");
        Kubectl.Result r = server.kubectl(POD, "apply", "-f", "-");
        assertEquals(0, r.code(), r.toString());
        Kubectl.Result ready = server.kubectl(null, "wait", "--for=condition=Ready", "pod/talk", "--timeout=120s");
        assertEquals(0, ready.code(), ready + "\n" + server.logTail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        HostProxyRules.cleanUp();
    }

    @Test
    void logsOfOneContainerOfTheTwo() {
        Kubectl.Result r = server.kubectl(null, "logs", "talk", "-c", "b");
        assertEquals(0, r.code(), r.toString());
        assertEquals("from b 1\nfrom b 2", r.out());
    }

    @Test
    void logsTailGivesTheLastLines() {
        Kubectl.Result r = server.kubectl(null, "logs", "talk", "-c", "b", "--tail=1");
        assertEquals(0, r.code(), r.toString());
        assertEquals("from b 2", r.out());
    }

    @Test
    void logsFollowKeepsStreamingNewLines() throws Exception {
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", server.kubeconfig().toString(), "logs", "-f", "talk",
                "-c", "a").redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            // the three first lines were written before the request; ticks arrive once a second after it
            String line;
            while (lines.size() < 6 && (line = in.readLine()) != null) {
                lines.add(line);
            }
            assertTrue(p.isAlive(), "kubectl logs -f ended on its own: " + lines);
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of("from a 1", "from a 2", "from a 3"), lines.subList(0, 3));
        assertEquals(List.of("tick", "tick", "tick"), lines.subList(3, 6));
    }

    @Test
    void execRunsACommandInTheContainer() {
        Kubectl.Result r = server.kubectl(null, "exec", "talk", "-c", "b", "--", "cat", "/etc/hostname");
        assertEquals(0, r.code(), r.toString());
        assertEquals("talk", r.out());
    }

    @Test
    void execWithStdinPassesInputThroughAndEndsOnEof() {
        Kubectl.Result r = server.kubectl("hello\nworld\n", "exec", "-i", "talk", "-c", "b", "--", "cat");
        assertEquals(0, r.code(), r.toString());
        assertEquals("hello\nworld", r.out());
    }

    @Test
    void execPropagatesTheExitCode() {
        Kubectl.Result r = server.kubectl(null, "exec", "talk", "-c", "b", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, r.code(), r.toString());
        assertEquals("out", r.out());
        assertTrue(r.err().contains("err"), r.toString());
        assertTrue(r.err().contains("command terminated with exit code 3"), r.toString());
    }

    @Test
    void logsOfAMissingPodIsNotFound() {
        Kubectl.Result r = server.kubectl(null, "logs", "nosuch");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("pods \"nosuch\" not found"), r.toString());
    }

    @Test
    void invalidLogOptionsAreRejectedWithBadRequest() {
        Kubectl.Result r = server.kubectl(null, "get", "--raw", "/api/v1/namespaces/default/pods/talk/log?container=b&tailLines=-1");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("Error from server (BadRequest): PodLogOptions \"talk\" is invalid: tailLines"),
                r.toString());
    }

    @Test
    void previousLogsOfAContainerThatNeverRestartedIsBadRequest() {
        Kubectl.Result r = server.kubectl(null, "logs", "talk", "-c", "b", "--previous");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("Error from server (BadRequest): previous terminated container \"b\" in pod \"talk\" not found"),
                r.toString());
    }

    @Test
    void logsOfAContainerTheApiServerDoesNotKnowIsBadRequest() {
        Kubectl.Result r = server.kubectl(null, "get", "--raw", "/api/v1/namespaces/default/pods/talk/log?container=nope");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("container nope is not valid for pod talk"), r.toString());
    }
}
