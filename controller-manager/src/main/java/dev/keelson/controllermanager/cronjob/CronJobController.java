package dev.keelson.controllermanager.cronjob;

import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.cron.CronSchedule;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CronJob controller (Kubernetes' cronjob_controllerv2): keeps {@code status.active} in step with the Jobs it
 * owns, starts a Job named {@code NAME-<scheduled minutes since the epoch>} at each scheduled time of the schedule in
 * its time zone (the most recent one only, after downtime; more than 100 missed: a TooManyMissedTimes event, not a
 * storm), honours startingDeadlineSeconds, suspend and concurrencyPolicy (Forbid skips, Replace deletes the running
 * Jobs), records lastScheduleTime and lastSuccessfulTime, and deletes finished Jobs beyond the history limits.
 */
public final class CronJobController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CronJobController.class);
    static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
    /** Kubernetes' nextScheduleDelta: wake a little after the scheduled time. */
    private static final Duration NEXT_DELTA = Duration.ofMillis(100);

    private final KubernetesClient client;
    private final SharedIndexInformer<CronJob> cronJobs;
    private final SharedIndexInformer<Job> jobs;
    private final EventRecorder events;
    private final Controller controller;
    private final Clock clock;

    public CronJobController(SharedInformers informers, Clock clock, MeterRegistry meters) {
        this.client = informers.client();
        this.cronJobs = informers.cronJobs();
        this.jobs = informers.jobs();
        this.clock = clock;
        this.events = EventRecorder.builder("cronjob-controller").build(client);
        this.controller = new Controller("cronjob", this::sync, meters);
        cronJobs.addEventHandler(controller.handler());
        jobs.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                enqueueOwner(job);
            }

            @Override
            public void onUpdate(Job oldJob, Job job) {
                enqueueOwner(job);
            }

            @Override
            public void onDelete(Job job, boolean unknown) {
                enqueueOwner(job);
            }
        });
    }

    private void enqueueOwner(Job job) {
        Pods.controllerOf(job).filter(r -> "CronJob".equals(r.getKind()))
                .ifPresent(r -> controller.enqueue(Cache.namespaceKeyFunc(job.getMetadata().getNamespace(), r.getName())));
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(cronJobs, jobs), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        events.close();
    }

    void sync(String key) throws Exception {
        CronJob cached = cronJobs.getStore().getByKey(key);
        if (cached == null) {
            return;
        }
        CronJob cj = client.getKubernetesSerialization().clone(cached);
        CronJobStatus status = cj.getStatus() == null ? new CronJobStatus() : cj.getStatus();
        CronJobStatus before = client.getKubernetesSerialization().clone(status);
        List<Job> owned = owned(cj);
        Instant now = clock.instant();
        syncActive(cj, status, owned);
        Duration requeue = null;
        if (cj.getMetadata().getDeletionTimestamp() == null) {
            requeue = schedule(cj, status, now);
        }
        cleanupFinished(cj, status, owned);
        if (!Semantic.equal(before, status)) {
            cj.setStatus(status);
            client.batch().v1().cronjobs().inNamespace(cj.getMetadata().getNamespace()).resource(cj).updateStatus();
        }
        if (requeue != null) {
            controller.enqueueAfter(key, requeue);
        }
    }

    private List<Job> owned(CronJob cj) {
        List<Job> out = new ArrayList<>();
        for (Job j : jobs.getIndexer().byIndex(SharedInformers.BY_OWNER, cj.getMetadata().getUid())) {
            Optional<OwnerReference> ref = Pods.controllerOf(j);
            if (ref.isPresent() && cj.getMetadata().getUid().equals(ref.get().getUid())) {
                out.add(j);
            }
        }
        return out;
    }

    /** status.active holds the owned Jobs not finished; finished ones leave it (SawCompletedJob). */
    private void syncActive(CronJob cj, CronJobStatus status, List<Job> owned) {
        Map<String, Job> byUid = new HashMap<>();
        owned.forEach(j -> byUid.put(j.getMetadata().getUid(), j));
        List<ObjectReference> active = new ArrayList<>(status.getActive() == null ? List.of() : status.getActive());
        for (Job j : owned) {
            boolean listed = active.stream().anyMatch(r -> j.getMetadata().getUid().equals(r.getUid()));
            JobCondition finished = finished(j);
            if (finished == null && !listed) {
                active.add(reference(j));
            } else if (finished != null && listed) {
                active.removeIf(r -> j.getMetadata().getUid().equals(r.getUid()));
                events.normal(cj, "SawCompletedJob", "Saw completed job: " + j.getMetadata().getName()
                        + ", condition: " + finished.getType());
            }
            if (finished != null && "Complete".equals(finished.getType()) && j.getStatus().getCompletionTime() != null) {
                Instant done = Times.parse(j.getStatus().getCompletionTime());
                Instant last = Times.parse(status.getLastSuccessfulTime());
                if (done != null && (last == null || done.isAfter(last))) {
                    status.setLastSuccessfulTime(j.getStatus().getCompletionTime());
                }
            }
        }
        active.removeIf(r -> {
            if (byUid.containsKey(r.getUid())) {
                return false;
            }
            events.normal(cj, "MissingJob", "Active job went missing: " + r.getName());
            return true;
        });
        status.setActive(active.isEmpty() ? null : active);
    }

    /** Starts the Job due now, if any; returns when to look again. */
    private Duration schedule(CronJob cj, CronJobStatus status, Instant now) {
        ZoneId zone;
        CronSchedule schedule;
        try {
            zone = CronSchedule.zone(cj.getSpec().getTimeZone());
        } catch (IllegalArgumentException e) {
            events.warning(cj, "UnknownTimeZone", "invalid timeZone: \"" + cj.getSpec().getTimeZone() + "\": "
                    + e.getMessage());
            return null;
        }
        try {
            schedule = CronSchedule.parse(cj.getSpec().getSchedule());
        } catch (IllegalArgumentException e) {
            events.warning(cj, "UnparseableSchedule", "unparseable schedule: \"" + cj.getSpec().getSchedule() + "\" : "
                    + e.getMessage());
            return null;
        }
        if (Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
            return null;
        }
        Instant earliest = Times.parse(status.getLastScheduleTime());
        if (earliest == null) {
            earliest = Times.parse(cj.getMetadata().getCreationTimestamp());
        }
        Long sds = cj.getSpec().getStartingDeadlineSeconds();
        if (sds != null && now.minusSeconds(sds).isAfter(earliest)) {
            earliest = now.minusSeconds(sds);
        }
        Optional<Schedules.Recent> recent = Schedules.mostRecent(schedule, zone, earliest, now);
        Duration next = schedule.next(now, zone).map(t -> Duration.between(now, t).plus(NEXT_DELTA)).orElse(null);
        if (recent.isEmpty()) {
            return next;
        }
        Instant scheduled = recent.get().time();
        if (recent.get().missed() > Schedules.MANY_MISSED) {
            events.warning(cj, "TooManyMissedTimes", "too many missed start times. Set or decrease "
                    + ".spec.startingDeadlineSeconds or check clock skew");
        }
        if (sds != null && scheduled.plusSeconds(sds).isBefore(now)) {
            events.warning(cj, "MissSchedule", "Missed scheduled time to start a job: "
                    + DateTimeFormatter.RFC_1123_DATE_TIME.format(scheduled.atZone(zone)));
            return next;
        }
        String name = cj.getMetadata().getName() + "-" + scheduled.getEpochSecond() / 60;
        List<ObjectReference> active = status.getActive() == null ? new ArrayList<>() : new ArrayList<>(status.getActive());
        Job existing = jobs.getStore().getByKey(Cache.namespaceKeyFunc(cj.getMetadata().getNamespace(), name));
        if (active.stream().anyMatch(r -> name.equals(r.getName())) || existing != null) {
            // started already (a status write after the create may have been lost): record it
            boolean ours = existing == null || Pods.controllerOf(existing)
                    .map(r -> cj.getMetadata().getUid().equals(r.getUid())).orElse(false);
            Instant last = Times.parse(status.getLastScheduleTime());
            if (ours && (last == null || last.isBefore(scheduled))) {
                status.setLastScheduleTime(Times.format(scheduled));
            }
            return next;
        }
        String policy = cj.getSpec().getConcurrencyPolicy() == null ? "Allow" : cj.getSpec().getConcurrencyPolicy();
        if ("Forbid".equals(policy) && !active.isEmpty()) {
            events.normal(cj, "JobAlreadyActive", "Not starting job because prior execution is running and "
                    + "concurrency policy is Forbid");
            return next;
        }
        if ("Replace".equals(policy)) {
            for (ObjectReference r : new ArrayList<>(active)) {
                client.batch().v1().jobs().inNamespace(cj.getMetadata().getNamespace()).withName(r.getName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                events.normal(cj, "SuccessfulDelete", "Deleted job " + r.getName());
                active.remove(r);
            }
        }
        Job job = jobFor(cj, name, scheduled, zone);
        try {
            Job created = client.batch().v1().jobs().inNamespace(cj.getMetadata().getNamespace()).resource(job).create();
            events.normal(cj, "SuccessfulCreate", "Created job " + name);
            active.add(reference(created));
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                events.warning(cj, "FailedCreate", "Error creating job: " + e.getMessage());
                status.setActive(active.isEmpty() ? null : active);
                throw e;
            }
        }
        status.setActive(active.isEmpty() ? null : active);
        status.setLastScheduleTime(Times.format(scheduled));
        return next;
    }

    /** getJobFromTemplate2: the template's labels and annotations, the scheduled time, a controller reference. */
    static Job jobFor(CronJob cj, String name, Instant scheduled, ZoneId zone) {
        Map<String, String> labels = new HashMap<>();
        Map<String, String> annotations = new HashMap<>();
        if (cj.getSpec().getJobTemplate().getMetadata() != null) {
            if (cj.getSpec().getJobTemplate().getMetadata().getLabels() != null) {
                labels.putAll(cj.getSpec().getJobTemplate().getMetadata().getLabels());
            }
            if (cj.getSpec().getJobTemplate().getMetadata().getAnnotations() != null) {
                annotations.putAll(cj.getSpec().getJobTemplate().getMetadata().getAnnotations());
            }
        }
        annotations.put(SCHEDULED_TIMESTAMP, DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(scheduled.atZone(zone)));
        return new JobBuilder().withNewMetadata().withName(name).withNamespace(cj.getMetadata().getNamespace())
                .withLabels(labels).withAnnotations(annotations).withOwnerReferences(Pods.controllerRef(cj))
                .endMetadata().withSpec(cj.getSpec().getJobTemplate().getSpec()).build();
    }

    /** Deletes the oldest finished Jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit. */
    private void cleanupFinished(CronJob cj, CronJobStatus status, List<Job> owned) {
        List<Job> succeeded = new ArrayList<>();
        List<Job> failed = new ArrayList<>();
        for (Job j : owned) {
            JobCondition c = finished(j);
            if (c != null && j.getMetadata().getDeletionTimestamp() == null) {
                ("Complete".equals(c.getType()) ? succeeded : failed).add(j);
            }
        }
        prune(cj, succeeded, cj.getSpec().getSuccessfulJobsHistoryLimit());
        prune(cj, failed, cj.getSpec().getFailedJobsHistoryLimit());
    }

    private void prune(CronJob cj, List<Job> finished, Integer limit) {
        if (limit == null || finished.size() <= limit) {
            return;
        }
        finished.sort(Comparator.comparing((Job j) -> {
            Instant t = j.getStatus().getStartTime() == null ? null : Times.parse(j.getStatus().getStartTime());
            return t == null ? Times.parse(j.getMetadata().getCreationTimestamp()) : t;
        }).thenComparing(j -> j.getMetadata().getName()));
        for (Job j : finished.subList(0, finished.size() - limit)) {
            try {
                client.batch().v1().jobs().inNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
                events.normal(cj, "SuccessfulDelete", "Deleted job " + j.getMetadata().getName());
            } catch (KubernetesClientException e) {
                log.info("cannot delete finished job {}: {}", j.getMetadata().getName(), e.getMessage());
            }
        }
    }

    private static JobCondition finished(Job j) {
        if (j.getStatus() == null || j.getStatus().getConditions() == null) {
            return null;
        }
        return j.getStatus().getConditions().stream()
                .filter(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()))
                .findFirst().orElse(null);
    }

    private static ObjectReference reference(Job j) {
        return new ObjectReferenceBuilder().withKind("Job").withApiVersion("batch/v1")
                .withNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                .withUid(j.getMetadata().getUid()).withResourceVersion(j.getMetadata().getResourceVersion()).build();
    }
}
