package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.JobKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Job controller against a real apiserver and etcd, with a stand-in kubelet that finishes pods as told. */
class JobIntegrationTest {
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("job"))
            .jobPodFailureBackoff(Duration.ofMillis(50)));
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static KubernetesClient client() {
        return fixture.client();
    }

    private static JobBuilder job(String name, String restartPolicy) {
        return new JobBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNewTemplate()
                .withNewSpec().withRestartPolicy(restartPolicy).addNewContainer().withName("main").withImage("busybox")
                .endContainer().endSpec().endTemplate().endSpec();
    }

    private static Job create(String ns, Job job) {
        return client().batch().v1().jobs().inNamespace(ns).resource(job).create();
    }

    private static Job awaitCondition(String ns, String name, String type) {
        return Await.until("job " + name + " condition " + type, WAIT,
                () -> client().batch().v1().jobs().inNamespace(ns).withName(name).get(),
                j -> condition(j, type) != null && "True".equals(condition(j, type).getStatus()));
    }

    private static JobCondition condition(Job j, String type) {
        if (j == null || j.getStatus() == null || j.getStatus().getConditions() == null) {
            return null;
        }
        return j.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static List<Pod> pods(String ns, String job) {
        return client().pods().inNamespace(ns).withLabel("batch.kubernetes.io/job-name", job).list().getItems();
    }

    private static JobKubelet kubelet(String ns, ToIntFunction<Pod> exitCode) {
        return new JobKubelet(client(), ns, exitCode);
    }

    @Test
    void indexedJobRunsEachOfItsTwentyIndexesOnceAtMostFiveAtATime() {
        String ns = fixture.namespace("job-idx");
        try (JobKubelet k = kubelet(ns, p -> 0)) {
            create(ns, job("idx", "Never").editSpec().withCompletions(20).withParallelism(5)
                    .withCompletionMode("Indexed").endSpec().build());
            Job done = awaitCondition(ns, "idx", "Complete");
            assertEquals(20, done.getStatus().getSucceeded());
            assertEquals("0-19", done.getStatus().getCompletedIndexes());
            assertEquals(0, done.getStatus().getFailed() == null ? 0 : done.getStatus().getFailed());
            assertNotNull(done.getStatus().getCompletionTime());
            assertEquals("CompletionsReached", condition(done, "SuccessCriteriaMet").getReason());
            assertTrue(k.maxRunning() <= 5, "at most parallelism pods ran at once: " + k.maxRunning());
            List<Pod> pods = pods(ns, "idx");
            Map<String, Integer> perIndex = new HashMap<>();
            for (Pod p : pods) {
                String index = p.getMetadata().getAnnotations().get("batch.kubernetes.io/job-completion-index");
                perIndex.merge(index, 1, Integer::sum);
                assertEquals(index, p.getMetadata().getLabels().get("batch.kubernetes.io/job-completion-index"));
                assertEquals("idx-" + index, p.getSpec().getHostname());
                assertTrue(p.getMetadata().getName().startsWith("idx-" + index + "-"), p.getMetadata().getName());
                assertEquals("JOB_COMPLETION_INDEX", p.getSpec().getContainers().get(0).getEnv().get(0).getName());
                assertEquals("metadata.annotations['batch.kubernetes.io/job-completion-index']",
                        p.getSpec().getContainers().get(0).getEnv().get(0).getValueFrom().getFieldRef().getFieldPath());
                assertFalse(p.getMetadata().getFinalizers().contains("batch.kubernetes.io/job-tracking"),
                        "a counted pod keeps no tracking finalizer");
            }
            assertEquals(20, perIndex.size());
            perIndex.forEach((i, n) -> assertEquals(1, n, "index " + i + " ran once"));
        }
    }

    @Test
    void nonIndexedJobCountsCompletionsAndTracksPodsWithTheFinalizer() {
        String ns = fixture.namespace("job-plain");
        try (JobKubelet k = kubelet(ns, p -> 0)) {
            Job created = create(ns, job("plain", "OnFailure").editSpec().withCompletions(3).withParallelism(2).endSpec().build());
            Job done = awaitCondition(ns, "plain", "Complete");
            assertEquals(3, done.getStatus().getSucceeded());
            assertEquals(0, done.getStatus().getActive());
            assertTrue(done.getStatus().getUncountedTerminatedPods().getSucceeded().isEmpty());
            List<Pod> pods = pods(ns, "plain");
            assertEquals(3, pods.size());
            for (Pod p : pods) {
                assertEquals(created.getMetadata().getUid(), p.getMetadata().getOwnerReferences().get(0).getUid());
                assertTrue(p.getMetadata().getOwnerReferences().get(0).getController());
            }
        }
    }

    @Test
    void failingJobStopsAtItsBackoffLimit() {
        String ns = fixture.namespace("job-fail");
        try (JobKubelet k = kubelet(ns, p -> 1)) {
            create(ns, job("fail", "Never").editSpec().withBackoffLimit(2).endSpec().build());
            Job failed = awaitCondition(ns, "fail", "Failed");
            assertEquals("BackoffLimitExceeded", condition(failed, "Failed").getReason());
            assertEquals("Job has reached the specified backoff limit", condition(failed, "Failed").getMessage());
            assertEquals("True", condition(failed, "FailureTarget").getStatus());
            assertEquals(3, failed.getStatus().getFailed());
            assertNull(failed.getStatus().getCompletionTime());
            assertEquals(3, pods(ns, "fail").size(), "no pod after the limit");
        }
    }

    @Test
    void podFailurePolicyFailsTheJobOnAnExitCodeAndIgnoresAnother() {
        String ns = fixture.namespace("job-pfp");
        AtomicInteger ignoredRuns = new AtomicInteger();
        try (JobKubelet k = kubelet(ns, p -> p.getMetadata().getName().startsWith("fatal") ? 42
                : ignoredRuns.incrementAndGet() <= 2 ? 7 : 0)) {
            String policy = "{'rules':[{'action':'FailJob','onExitCodes':{'operator':'In','values':[42]}},"
                    + "{'action':'Ignore','onExitCodes':{'operator':'In','values':[7]}}]}";
            io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy pfp = client().getKubernetesSerialization()
                    .unmarshal(policy.replace('\'', '"'), io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy.class);
            create(ns, job("fatal", "Never").editSpec().withBackoffLimit(6).withPodFailurePolicy(pfp).endSpec().build());
            Job failed = awaitCondition(ns, "fatal", "Failed");
            assertEquals("PodFailurePolicy", condition(failed, "Failed").getReason());
            assertTrue(condition(failed, "Failed").getMessage().matches(
                    "Container main for pod " + ns + "/fatal-\\w+ failed with exit code 42 matching FailJob rule at index 0"),
                    condition(failed, "Failed").getMessage());
            assertEquals(1, pods(ns, "fatal").size());

            create(ns, job("flaky", "Never").editSpec().withBackoffLimit(0).withPodFailurePolicy(pfp).endSpec().build());
            Job done = awaitCondition(ns, "flaky", "Complete");
            assertEquals(0, done.getStatus().getFailed() == null ? 0 : done.getStatus().getFailed(),
                    "ignored failures do not count against backoffLimit 0");
            assertEquals(3, pods(ns, "flaky").size());
        }
    }

    @Test
    void suspendedJobStartsNoPodUntilResumed() throws Exception {
        String ns = fixture.namespace("job-suspend");
        try (JobKubelet k = kubelet(ns, p -> 0)) {
            create(ns, job("later", "Never").editSpec().withSuspend(true).endSpec().build());
            Job suspended = awaitCondition(ns, "later", "Suspended");
            assertEquals("JobSuspended", condition(suspended, "Suspended").getReason());
            assertNull(suspended.getStatus().getStartTime());
            assertTrue(pods(ns, "later").isEmpty());
            client().batch().v1().jobs().inNamespace(ns).withName("later")
                    .edit(j -> new JobBuilder(j).editSpec().withSuspend(false).endSpec().build());
            Job done = awaitCondition(ns, "later", "Complete");
            assertEquals("False", condition(done, "Suspended").getStatus());
            assertEquals("JobResumed", condition(done, "Suspended").getReason());
            assertEquals(1, done.getStatus().getSucceeded());
        }
    }

    @Test
    void activeDeadlineFailsAJobAndDeletesItsRunningPods() {
        String ns = fixture.namespace("job-deadline");
        try (JobKubelet k = kubelet(ns, p -> -1)) {
            create(ns, job("slow", "Never").editSpec().withParallelism(2).withCompletions(2)
                    .withActiveDeadlineSeconds(2L).endSpec().build());
            Job failed = awaitCondition(ns, "slow", "Failed");
            assertEquals("DeadlineExceeded", condition(failed, "Failed").getReason());
            assertEquals("Job was active longer than specified deadline", condition(failed, "Failed").getMessage());
            Await.until("running pods deleted", WAIT, () -> pods(ns, "slow"), List::isEmpty);
            assertEquals(0, failed.getStatus().getActive());
        }
    }

    @Test
    void backoffLimitPerIndexFailsOnlyTheFailingIndex() {
        String ns = fixture.namespace("job-perindex");
        try (JobKubelet k = kubelet(ns, p -> "1".equals(p.getMetadata().getAnnotations()
                .get("batch.kubernetes.io/job-completion-index")) ? 3 : 0)) {
            create(ns, job("pi", "Never").editSpec().withCompletions(3).withParallelism(3).withCompletionMode("Indexed")
                    .withBackoffLimitPerIndex(1).endSpec().build());
            Job failed = awaitCondition(ns, "pi", "Failed");
            assertEquals("FailedIndexes", condition(failed, "Failed").getReason());
            assertEquals("1", failed.getStatus().getFailedIndexes());
            assertEquals("0,2", failed.getStatus().getCompletedIndexes());
            assertEquals(2, failed.getStatus().getFailed());
            long index1Pods = pods(ns, "pi").stream().filter(p -> "1".equals(p.getMetadata().getAnnotations()
                    .get("batch.kubernetes.io/job-completion-index"))).count();
            assertEquals(2, index1Pods, "index 1 ran once and was retried once");
        }
    }
}
