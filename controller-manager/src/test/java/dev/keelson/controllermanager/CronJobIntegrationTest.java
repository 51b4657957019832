package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.JobKubelet;
import dev.keelson.controllermanager.testing.MutableClock;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The CronJob and TTL-after-finished controllers with a clock the test moves: after each move the test touches the
 * object (an annotation), as any change would, so the controller looks at the new time at once.
 */
class CronJobIntegrationTest {
    static final MutableClock CLOCK = new MutableClock(Instant.now());
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("cronjob", "job",
            "ttl-after-finished", "garbagecollector")).clock(CLOCK).jobPodFailureBackoff(Duration.ofMillis(50)));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger POKES = new AtomicInteger();

    private static KubernetesClient client() {
        return fixture.client();
    }

    private static CronJob cronJob(String ns, String name, String schedule, String policy, int successLimit) {
        // each test starts at the real time, so the new CronJob has missed nothing
        CLOCK.set(Instant.now());
        return client().batch().v1().cronjobs().inNamespace(ns).resource(new CronJobBuilder().withNewMetadata()
                .withName(name).endMetadata().withNewSpec().withSchedule(schedule).withConcurrencyPolicy(policy)
                .withSuccessfulJobsHistoryLimit(successLimit).withNewJobTemplate().withNewSpec().withNewTemplate()
                .withNewSpec().withRestartPolicy("Never").addNewContainer().withName("c").withImage("busybox")
                .endContainer().endSpec().endTemplate().endSpec().endJobTemplate().endSpec().build()).create();
    }

    /** Moves the clock to {@code seconds} past the next whole minute and touches the CronJob. */
    private static void tick(String ns, String name, int minutes) {
        Instant next = CLOCK.instant().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(minutes)).plusSeconds(5);
        CLOCK.set(next);
        poke(ns, name);
    }

    private static void poke(String ns, String name) {
        mergePatch(ns, name, "{\"metadata\":{\"annotations\":{\"test/poke\":\"" + POKES.incrementAndGet() + "\"}}}");
    }

    private static void mergePatch(String ns, String name, String json) {
        client().batch().v1().cronjobs().inNamespace(ns).withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    private static List<Job> jobs(String ns) {
        return client().batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .filter(j -> j.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static boolean hasEvent(String ns, String reason) {
        return client().v1().events().inNamespace(ns).list().getItems().stream().anyMatch(e -> reason.equals(e.getReason()));
    }

    private static void finishPods(String ns, String job) {
        for (Pod p : client().pods().inNamespace(ns).withLabel("batch.kubernetes.io/job-name", job).list().getItems()) {
            p.getStatus().setPhase("Succeeded");
            client().pods().inNamespace(ns).resource(p).updateStatus();
        }
    }

    private static boolean complete(String ns, String job) {
        Job j = client().batch().v1().jobs().inNamespace(ns).withName(job).get();
        return j != null && j.getStatus() != null && j.getStatus().getConditions() != null && j.getStatus().getConditions()
                .stream().anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Test
    void forbidSkipsWhileAJobRunsAndHistoryKeepsTheNewestSuccesses() {
        String ns = fixture.namespace("cj-forbid");
        AtomicInteger exit = new AtomicInteger(-1);
        try (JobKubelet k = new JobKubelet(client(), ns, p -> exit.get())) {
            cronJob(ns, "every", "* * * * *", "Forbid", 2);
            tick(ns, "every", 1);
            Instant first = CLOCK.instant().truncatedTo(ChronoUnit.MINUTES);
            String firstName = "every-" + first.getEpochSecond() / 60;
            Await.until("first job", WAIT, () -> jobs(ns), l -> l.size() == 1);
            assertEquals(firstName, jobs(ns).get(0).getMetadata().getName());
            CronJob cj = Await.until("active job listed", WAIT,
                    () -> client().batch().v1().cronjobs().inNamespace(ns).withName("every").get(),
                    c -> c.getStatus() != null && c.getStatus().getActive() != null && c.getStatus().getActive().size() == 1);
            assertEquals(first, Instant.parse(cj.getStatus().getLastScheduleTime()));
            assertEquals(first.toString().replace("Z", "+00:00").replace(":00+", ":00+"), jobs(ns).get(0).getMetadata()
                    .getAnnotations().get("batch.kubernetes.io/cronjob-scheduled-timestamp").replace("Z", "+00:00"));

            tick(ns, "every", 1);
            String skipped = "every-" + CLOCK.instant().getEpochSecond() / 60;
            Await.until("JobAlreadyActive event", WAIT, () -> hasEvent(ns, "JobAlreadyActive"), b -> b);
            assertEquals(1, jobs(ns).size(), "Forbid starts no second job while the first runs");

            // once the first finishes, the start Forbid held back runs (no startingDeadlineSeconds), as in Kubernetes
            finishPods(ns, firstName);
            Await.until("first job complete", WAIT, () -> complete(ns, firstName), b -> b);
            Await.until("held-back job " + skipped, WAIT, () -> jobs(ns),
                    l -> l.stream().anyMatch(j -> j.getMetadata().getName().equals(skipped)));
            Await.until("lastSuccessfulTime", WAIT,
                    () -> client().batch().v1().cronjobs().inNamespace(ns).withName("every").get(),
                    c -> c.getStatus().getLastSuccessfulTime() != null);
            Await.until("held-back job has a pod", WAIT,
                    () -> client().pods().inNamespace(ns).withLabel("batch.kubernetes.io/job-name", skipped).list()
                            .getItems(), l -> !l.isEmpty() && l.get(0).getStatus() != null
                            && "Running".equals(l.get(0).getStatus().getPhase()));
            finishPods(ns, skipped);
            Await.until("held-back job complete", WAIT, () -> complete(ns, skipped), b -> b);

            exit.set(0);
            String last = null;
            for (int i = 0; i < 3; i++) {
                tick(ns, "every", 1);
                last = "every-" + CLOCK.instant().getEpochSecond() / 60;
                String name = last;
                Await.until("job " + name + " complete", WAIT, () -> complete(ns, name), b -> b);
            }
            String newest = last;
            List<Job> kept = Await.until("history limit 2", WAIT, () -> jobs(ns), l -> l.size() == 2);
            assertTrue(kept.stream().anyMatch(j -> j.getMetadata().getName().equals(newest)), kept.toString());
            assertTrue(hasEvent(ns, "SawCompletedJob"));
        }
    }

    @Test
    void replaceDeletesTheRunningJobForTheNextOne() {
        String ns = fixture.namespace("cj-replace");
        try (JobKubelet k = new JobKubelet(client(), ns, p -> -1)) {
            cronJob(ns, "swap", "* * * * *", "Replace", 3);
            tick(ns, "swap", 1);
            Await.until("first job", WAIT, () -> jobs(ns), l -> l.size() == 1);
            String firstName = jobs(ns).get(0).getMetadata().getName();
            tick(ns, "swap", 1);
            String second = "swap-" + CLOCK.instant().getEpochSecond() / 60;
            List<Job> now = Await.until("replaced", WAIT, () -> jobs(ns),
                    l -> l.size() == 1 && l.get(0).getMetadata().getName().equals(second));
            assertTrue(!now.get(0).getMetadata().getName().equals(firstName));
            Await.until("one active job", WAIT, () -> client().batch().v1().cronjobs().inNamespace(ns).withName("swap").get(),
                    c -> c.getStatus() != null && c.getStatus().getActive() != null && c.getStatus().getActive().size() == 1
                            && c.getStatus().getActive().get(0).getName().equals(second));
        }
    }

    @Test
    void manyMissedStartsGiveOneJobAndAnEvent() {
        String ns = fixture.namespace("cj-missed");
        try (JobKubelet k = new JobKubelet(client(), ns, p -> -1)) {
            cronJob(ns, "late", "* * * * *", "Allow", 3);
            tick(ns, "late", 200);
            String expected = "late-" + CLOCK.instant().getEpochSecond() / 60;
            Await.until("TooManyMissedTimes event", WAIT, () -> hasEvent(ns, "TooManyMissedTimes"), b -> b);
            List<Job> jobs = Await.until("one job", WAIT, () -> jobs(ns), l -> l.size() == 1);
            assertEquals(expected, jobs.get(0).getMetadata().getName(), "only the most recent missed start runs");
        }
    }

    @Test
    void suspendedCronJobStartsNothingAndOnResumeOnlyTheMostRecentStart() {
        String ns = fixture.namespace("cj-suspend");
        try (JobKubelet k = new JobKubelet(client(), ns, p -> -1)) {
            cronJob(ns, "off", "* * * * *", "Allow", 3);
            mergePatch(ns, "off", "{\"spec\":{\"suspend\":true}}");
            tick(ns, "off", 1);
            tick(ns, "off", 1);
            tick(ns, "off", 1);
            mergePatch(ns, "off", "{\"spec\":{\"suspend\":false}}");
            String expected = "off-" + CLOCK.instant().getEpochSecond() / 60;
            List<Job> jobs = Await.until("job after resume", WAIT, () -> jobs(ns), l -> !l.isEmpty());
            assertEquals(1, jobs.size());
            assertEquals(expected, jobs.get(0).getMetadata().getName());
        }
    }

    @Test
    void finishedJobIsDeletedAfterItsTtl() {
        String ns = fixture.namespace("ttl");
        CLOCK.set(Instant.now());
        try (JobKubelet k = new JobKubelet(client(), ns, p -> 0)) {
            client().batch().v1().jobs().inNamespace(ns).resource(new JobBuilder().withNewMetadata().withName("short")
                    .endMetadata().withNewSpec().withTtlSecondsAfterFinished(30).withNewTemplate().withNewSpec()
                    .withRestartPolicy("Never").addNewContainer().withName("c").withImage("busybox").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
            Await.until("complete", WAIT, () -> complete(ns, "short"), b -> b);
            assertEquals(1, jobs(ns).size(), "kept until its TTL passes");
            CLOCK.advance(Duration.ofSeconds(31));
            client().batch().v1().jobs().inNamespace(ns).withName("short").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"annotations\":{\"test/poke\":\"1\"}}}");
            Await.until("deleted after its TTL", WAIT,
                    () -> client().batch().v1().jobs().inNamespace(ns).withName("short").get(), j -> j == null);
        }
    }
}
