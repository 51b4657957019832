package dev.keelson.controllermanager.ttlafterfinished;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' ttlafterfinished controller: a Job with {@code ttlSecondsAfterFinished} is deleted (foreground, so
 * its pods go first) that many seconds after its Complete or Failed condition, re-read from the apiserver before the
 * delete so a TTL changed meanwhile is honoured.
 */
public final class TtlAfterFinishedController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TtlAfterFinishedController.class);

    private final KubernetesClient client;
    private final SharedIndexInformer<Job> jobs;
    private final Controller controller;
    private final Clock clock;

    public TtlAfterFinishedController(SharedInformers informers, Clock clock, MeterRegistry meters) {
        this.client = informers.client();
        this.jobs = informers.jobs();
        this.clock = clock;
        this.controller = new Controller("ttl-after-finished", this::sync, meters);
        jobs.addEventHandler(controller.handler());
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(jobs), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    /** When the Job may be deleted, or null if it has no TTL or has not finished. */
    static Instant expiry(Job job) {
        if (job.getSpec() == null || job.getSpec().getTtlSecondsAfterFinished() == null || job.getStatus() == null
                || job.getStatus().getConditions() == null || job.getMetadata().getDeletionTimestamp() != null) {
            return null;
        }
        for (JobCondition c : job.getStatus().getConditions()) {
            if (("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus())) {
                Instant finished = Times.parse(c.getLastTransitionTime());
                return finished == null ? null : finished.plusSeconds(job.getSpec().getTtlSecondsAfterFinished());
            }
        }
        return null;
    }

    void sync(String key) {
        Job cached = jobs.getStore().getByKey(key);
        if (cached == null || expiry(cached) == null) {
            return;
        }
        Instant now = clock.instant();
        if (now.isBefore(expiry(cached))) {
            controller.enqueueAfter(key, Duration.between(now, expiry(cached)));
            return;
        }
        Job fresh = client.batch().v1().jobs().inNamespace(cached.getMetadata().getNamespace())
                .withName(cached.getMetadata().getName()).get();
        if (fresh == null || !fresh.getMetadata().getUid().equals(cached.getMetadata().getUid()) || expiry(fresh) == null) {
            return;
        }
        if (now.isBefore(expiry(fresh))) {
            controller.enqueueAfter(key, Duration.between(now, expiry(fresh)));
            return;
        }
        log.info("deleting job {} whose ttlSecondsAfterFinished has passed", key);
        client.batch().v1().jobs().inNamespace(fresh.getMetadata().getNamespace()).withName(fresh.getMetadata().getName())
                .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete();
    }
}
