package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Jobs on a real `keelson server` and Docker, driven by the real kubectl: an Indexed Job runs each index once in a
 * busybox container (JOB_COMPLETION_INDEX from the downward API), `kubectl wait --for=condition=complete` and
 * `kubectl logs job/NAME` work as against Kubernetes, and a Job whose container always fails stops at its backoffLimit.
 */
class KubectlJobTest {
    static KeelsonServerProcess server;

    static final String INDEXED = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: indexed}
            spec:
              completions: 4
              parallelism: 2
              completionMode: Indexed
              template:
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 0
                  containers:
                  - name: main
                    image: busybox:1.35
                    imagePullPolicy: IfNotPresent
                    command: [sh, -c, 'echo "index $JOB_COMPLETION_INDEX of $(hostname)"']
            """;

    static final String FAILING = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: failing}
            spec:
              backoffLimit: 1
              template:
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 0
                  containers:
                  - name: main
                    image: busybox:1.35
                    imagePullPolicy: IfNotPresent
                    command: [sh, -c, 'echo failing; exit 3']
            """;

    @BeforeAll
    static void start() {
        server = KeelsonServerProcess.start("keelson-e2e-jobs", "10.247.0.0/16");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        HostProxyRules.cleanUp();
    }

    @Test
    void indexedJobCompletesAndItsLogsAreReadThroughTheJob() {
        Kubectl.Result created = server.kubectl(INDEXED, "apply", "-f", "-");
        assertEquals(0, created.code(), created.toString());
        Kubectl.Result done = server.kubectl(null, "wait", "--for=condition=complete", "job/indexed", "--timeout=180s");
        assertEquals(0, done.code(), done + "\n" + server.logTail());
        assertEquals("job.batch/indexed condition met", done.out());
        Kubectl.Result status = server.kubectl(null, "get", "job", "indexed", "-o",
                "jsonpath={.status.succeeded} {.status.completedIndexes}");
        assertEquals("4 0-3", status.out(), status.toString());

        Kubectl.Result one = server.kubectl(null, "logs", "job/indexed");
        assertEquals(0, one.code(), one.toString());
        assertTrue(one.out().matches("index [0-3] of indexed-[0-3]"), one.out());

        Kubectl.Result all = server.kubectl(null, "logs", "-l", "batch.kubernetes.io/job-name=indexed");
        assertEquals(0, all.code(), all.toString());
        Set<String> lines = new TreeSet<>(all.out().lines().toList());
        assertEquals(Set.of("index 0 of indexed-0", "index 1 of indexed-1", "index 2 of indexed-2",
                "index 3 of indexed-3"), lines, "each index ran once, with its hostname");
        Kubectl.Result pods = server.kubectl(null, "get", "pods", "-l", "batch.kubernetes.io/job-name=indexed", "-o",
                "jsonpath={.items[*].metadata.finalizers}");
        assertEquals(0, pods.code(), pods.toString());
        assertTrue(!pods.out().contains("batch.kubernetes.io/job-tracking"),
                "no pod keeps the job-tracking finalizer once counted: " + pods.out());
    }

    @Test
    void failingJobStopsAtItsBackoffLimit() {
        Kubectl.Result created = server.kubectl(FAILING, "apply", "-f", "-");
        assertEquals(0, created.code(), created.toString());
        Kubectl.Result failed = server.kubectl(null, "wait", "--for=condition=failed", "job/failing", "--timeout=180s");
        assertEquals(0, failed.code(), failed + "\n" + server.logTail());
        Kubectl.Result reason = server.kubectl(null, "get", "job", "failing", "-o",
                "jsonpath={.status.failed} {.status.conditions[?(@.type==\"Failed\")].reason}");
        assertEquals("2 BackoffLimitExceeded", reason.out(), reason.toString());
        Kubectl.Result table = server.kubectl(null, "get", "job", "failing", "--no-headers");
        assertTrue(table.out().matches("failing\\s+Failed\\s+0/1\\s+\\S+\\s+\\S+"), table.out());
        Kubectl.Result logs = server.kubectl(null, "logs", "job/failing");
        assertEquals("failing", logs.out(), logs.toString());
    }
}
