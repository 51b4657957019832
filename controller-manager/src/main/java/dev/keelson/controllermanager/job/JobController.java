package dev.keelson.controllermanager.job;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.ControllerRefManager;
import dev.keelson.controllermanager.common.Expectations;
import dev.keelson.controllermanager.common.PodControl;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.common.Times;
import dev.keelson.controllermanager.replicaset.PodDeletionRanking;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Job controller (batch/v1), after Kubernetes' pkg/controller/job. Every pod it creates carries the
 * {@code batch.kubernetes.io/job-tracking} finalizer; a finished pod is first written into
 * {@code status.uncountedTerminatedPods}, then loses the finalizer, then moves into the succeeded/failed counts (or
 * {@code completedIndexes}), so no pod is counted twice or lost when the pod is removed or this controller stops
 * midway. Failures go through the podFailurePolicy (FailJob, FailIndex, Ignore, Count), backoffLimit,
 * backoffLimitPerIndex/maxFailedIndexes and activeDeadlineSeconds; a Job that meets its success or failure criteria
 * gets SuccessCriteriaMet or FailureTarget, its remaining pods are deleted, and once none is left it gets Complete or
 * Failed. Replacement pods wait out an exponential back-off (base doubling per failure since the last success, capped).
 */
public final class JobController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JobController.class);
    static final int BURST = 500;

    /**
     * @param backoffBase the first replacement delay after a failure (Kubernetes: 10 s)
     * @param backoffMax the longest delay (Kubernetes documents six minutes)
     */
    public record Options(Duration backoffBase, Duration backoffMax, Clock clock) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofMinutes(6), Clock.systemUTC());
        }
    }

    /** Failures since the last success, and when the last was seen (Kubernetes' backoffRecord). */
    private static final class Backoff {
        int failures;
        Instant last = Instant.EPOCH;
    }

    private final KubernetesClient client;
    private final SharedIndexInformer<Job> jobInformer;
    private final SharedIndexInformer<Pod> podInformer;
    private final Expectations expectations = new Expectations();
    private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
    private final EventRecorder events;
    private final PodControl podControl;
    private final Controller controller;
    private final Options options;

    public JobController(SharedInformers informers, Options options, MeterRegistry meters) {
        this.client = informers.client();
        this.options = options;
        this.jobInformer = informers.jobs();
        this.podInformer = informers.pods();
        this.events = EventRecorder.builder("job-controller").build(client);
        this.podControl = new PodControl(client, events, "job-pod-create");
        this.controller = new Controller("job", this::sync, meters);
        jobInformer.addEventHandler(controller.handler());
        podInformer.addEventHandler(new PodHandler());
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(jobInformer, podInformer), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        podControl.close();
        events.close();
    }

    private final class PodHandler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            String key = ownerKey(pod);
            if (key != null) {
                if (pod.getMetadata().getDeletionTimestamp() == null) {
                    expectations.creationObserved(key);
                }
                controller.enqueue(key);
            } else if (Pods.controllerOf(pod).isEmpty()) {
                enqueueMatching(pod);
            }
        }

        @Override
        public void onUpdate(Pod oldPod, Pod pod) {
            String key = ownerKey(pod);
            if (key != null && pod.getMetadata().getDeletionTimestamp() != null
                    && oldPod.getMetadata().getDeletionTimestamp() == null) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
            }
            String oldKey = ownerKey(oldPod);
            if (oldKey != null && !oldKey.equals(key)) {
                controller.enqueue(oldKey);
            }
            if (key != null) {
                controller.enqueue(key);
            } else if (Pods.controllerOf(pod).isEmpty()
                    && !Objects.equals(oldPod.getMetadata().getLabels(), pod.getMetadata().getLabels())) {
                enqueueMatching(pod);
            }
        }

        @Override
        public void onDelete(Pod pod, boolean unknown) {
            String key = ownerKey(pod);
            if (key != null) {
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                controller.enqueue(key);
            }
        }

        private void enqueueMatching(Pod pod) {
            for (Job job : jobInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, pod.getMetadata().getNamespace())) {
                if (LabelSelector.forController(job.getSpec().getSelector()).matches(pod.getMetadata().getLabels())) {
                    controller.enqueue(job);
                }
            }
        }
    }

    private String ownerKey(Pod pod) {
        Optional<OwnerReference> ref = Pods.controllerOf(pod);
        if (ref.isEmpty() || !"Job".equals(ref.get().getKind())) {
            return null;
        }
        return Cache.namespaceKeyFunc(pod.getMetadata().getNamespace(), ref.get().getName());
    }

    void sync(String key) throws Exception {
        Job cached = jobInformer.getStore().getByKey(key);
        if (cached == null) {
            expectations.forget(key);
            backoffs.remove(key);
            return;
        }
        Job job = client.getKubernetesSerialization().clone(cached);
        if (job.getStatus() == null) {
            job.setStatus(new JobStatus());
        }
        if (finishedCondition(job.getStatus()) != null) {
            releaseAll(job);
            backoffs.remove(key);
            return;
        }
        boolean satisfied = expectations.satisfied(key);
        List<Pod> pods = claim(job);
        JobStatus status = job.getStatus();
        JobStatus before = client.getKubernetesSerialization().clone(status);
        Instant now = options.clock().instant();
        boolean indexed = JobPods.indexed(job);
        int completions = job.getSpec().getCompletions() == null ? -1 : job.getSpec().getCompletions();

        // 1. finished pods: uncounted first, then the finalizer goes, then the counts
        Tally tally = track(job, pods, indexed, completions);
        job = tally.job;
        status = job.getStatus();
        Backoff backoff = backoffs.computeIfAbsent(key, k -> new Backoff());
        if (tally.newSucceeded) {
            backoff.failures = 0;
        }
        if (tally.newFailed > 0) {
            backoff.failures += tally.newFailed;
            backoff.last = now;
        }
        TreeSet<Integer> completed = indexed ? Indexes.parse(status.getCompletedIndexes(), completions) : new TreeSet<>();
        TreeSet<Integer> failedIndexes = indexed ? failedIndexes(job, pods, completions, tally.failIndexes)
                : new TreeSet<>();
        if (job.getSpec().getBackoffLimitPerIndex() != null) {
            status.setFailedIndexes(Indexes.format(failedIndexes));
        }

        List<Pod> active = new ArrayList<>(pods.stream().filter(JobPods::active).toList());
        int terminating = (int) pods.stream().filter(JobPods::terminating).count();

        // 2. success or failure criteria
        JobCondition failureTarget = condition(status, "FailureTarget");
        JobCondition successMet = condition(status, "SuccessCriteriaMet");
        if (failureTarget == null && successMet == null) {
            String[] failure = failure(job, status, active, tally, failedIndexes, completed, now);
            if (failure != null) {
                failureTarget = setCondition(status, "FailureTarget", "True", failure[0], failure[1], now);
            } else if (complete(job, status, active, completed, completions, indexed)) {
                successMet = setCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached",
                        "Reached expected number of succeeded pods", now);
            }
        }
        if (failureTarget != null || successMet != null) {
            terminate(key, job, active);
            status.setActive(0);
            status.setReady(0);
            status.setTerminating(terminating);
            if (terminating == 0) {
                if (failureTarget != null) {
                    setCondition(status, "Failed", "True", failureTarget.getReason(), failureTarget.getMessage(), now);
                    events.warning(job, failureTarget.getReason(), failureTarget.getMessage());
                } else {
                    setCondition(status, "Complete", "True", "CompletionsReached",
                            "Reached expected number of succeeded pods", now);
                    status.setCompletionTime(Times.format(now));
                    events.normal(job, "Completed", "Job completed");
                }
            }
            writeStatusIfChanged(job, before, status);
            return;
        }

        // 3. suspend and resume
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        JobCondition suspendedCond = condition(status, "Suspended");
        int created = 0;
        int deleted = 0;
        if (suspended) {
            deleted += terminate(key, job, active);
            active.clear();
            if (suspendedCond == null || !"True".equals(suspendedCond.getStatus())) {
                setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", now);
                events.normal(job, "Suspended", "Job suspended");
                status.setStartTime(null);
            }
        } else {
            if (suspendedCond != null && "True".equals(suspendedCond.getStatus())) {
                setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", now);
                events.normal(job, "Resumed", "Job resumed");
                status.setStartTime(Times.format(now));
            }
            if (status.getStartTime() == null) {
                status.setStartTime(Times.format(now));
            }
            if (satisfied) {
                int[] diff = manage(key, job, active, terminating, completed, failedIndexes, completions, backoff, now);
                created = diff[0];
                deleted = diff[1];
            }
        }
        status.setActive(Math.max(0, active.size() + created - deleted));
        status.setReady((int) active.stream().filter(Pods::isReady).count());
        status.setTerminating(terminating);
        writeStatusIfChanged(job, before, status);
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        Instant started = Times.parse(status.getStartTime());
        if (!suspended && deadline != null && started != null) {
            Duration left = Duration.between(now, started.plusSeconds(deadline));
            controller.enqueueAfter(key, left.isNegative() ? Duration.ZERO : left.plusMillis(100));
        }
    }

    /** What counting finished pods found. */
    private static final class Tally {
        Job job;
        boolean newSucceeded;
        int newFailed;
        FailurePolicy.Match failJob;
        final Set<Integer> failIndexes = new HashSet<>();
    }

    private Tally track(Job job, List<Pod> pods, boolean indexed, int completions) {
        Tally t = new Tally();
        t.job = job;
        JobStatus status = job.getStatus();
        UncountedTerminatedPods unc = status.getUncountedTerminatedPods() == null ? new UncountedTerminatedPods()
                : status.getUncountedTerminatedPods();
        Set<String> uS = new LinkedHashSet<>(unc.getSucceeded() == null ? List.of() : unc.getSucceeded());
        Set<String> uF = new LinkedHashSet<>(unc.getFailed() == null ? List.of() : unc.getFailed());
        Set<String> startS = Set.copyOf(uS);
        Set<String> startF = Set.copyOf(uF);
        List<Pod> release = new ArrayList<>();
        Map<String, Pod> byUid = new HashMap<>();
        for (Pod p : pods) {
            byUid.put(p.getMetadata().getUid(), p);
            if (!JobPods.hasFinalizer(p) || !JobPods.finished(p, job)) {
                continue;
            }
            String uid = p.getMetadata().getUid();
            release.add(p);
            if (JobPods.succeeded(p)) {
                uS.add(uid);
                continue;
            }
            Optional<FailurePolicy.Match> m = FailurePolicy.match(job, p);
            String action = m.map(FailurePolicy.Match::action).orElse("Count");
            if (action.equals("Ignore") && !uF.contains(uid)) {
                continue;
            }
            if (action.equals("FailJob") && t.failJob == null) {
                t.failJob = m.get();
            }
            if (action.equals("FailIndex") && indexed) {
                int i = JobPods.index(p, completions);
                if (i >= 0) {
                    t.failIndexes.add(i);
                }
            }
            uF.add(uid);
        }
        if (!uS.equals(startS) || !uF.equals(startF)) {
            unc.setSucceeded(new ArrayList<>(uS));
            unc.setFailed(new ArrayList<>(uF));
            status.setUncountedTerminatedPods(unc);
            // written before any finalizer goes, so a restart midway still counts these pods exactly once
            t.job = updateStatus(job, status);
            status = t.job.getStatus();
        }
        Set<String> released = new HashSet<>();
        for (Pod p : release) {
            if (removeFinalizer(p)) {
                released.add(p.getMetadata().getUid());
            }
        }
        TreeSet<Integer> completed = indexed ? Indexes.parse(status.getCompletedIndexes(), completions) : null;
        int succeeded = status.getSucceeded() == null ? 0 : status.getSucceeded();
        int failed = status.getFailed() == null ? 0 : status.getFailed();
        for (String uid : new ArrayList<>(uS)) {
            Pod p = byUid.get(uid);
            if (p == null || released.contains(uid) || !JobPods.hasFinalizer(p)) {
                uS.remove(uid);
                t.newSucceeded = true;
                if (indexed) {
                    int i = p == null ? -1 : JobPods.index(p, completions);
                    if (i >= 0) {
                        completed.add(i);
                    }
                } else {
                    succeeded++;
                }
            }
        }
        for (String uid : new ArrayList<>(uF)) {
            Pod p = byUid.get(uid);
            if (p == null || released.contains(uid) || !JobPods.hasFinalizer(p)) {
                uF.remove(uid);
                t.newFailed++;
                failed++;
            }
        }
        UncountedTerminatedPods rest = new UncountedTerminatedPods();
        rest.setSucceeded(new ArrayList<>(uS));
        rest.setFailed(new ArrayList<>(uF));
        status.setUncountedTerminatedPods(rest);
        if (indexed) {
            status.setCompletedIndexes(Indexes.format(completed));
            succeeded = completed.size();
        }
        status.setSucceeded(succeeded);
        status.setFailed(failed);
        return t;
    }

    /** Indexes past backoffLimitPerIndex (from the pods' failure-count annotations), forced ones, and the stored ones. */
    private static TreeSet<Integer> failedIndexes(Job job, List<Pod> pods, int completions, Set<Integer> forced) {
        TreeSet<Integer> out = Indexes.parse(job.getStatus().getFailedIndexes(), completions);
        out.addAll(forced);
        Integer limit = job.getSpec().getBackoffLimitPerIndex();
        if (limit == null) {
            return out;
        }
        for (Pod p : pods) {
            int i = JobPods.index(p, completions);
            if (i >= 0 && JobPods.failed(p, job) && JobPods.failureCount(p) + 1 > limit) {
                out.add(i);
            }
        }
        return out;
    }

    /** The failures recorded for {@code index} so far: the highest count on its pods, plus one if that pod failed. */
    private static int indexFailures(Job job, List<Pod> pods, int index, int completions) {
        int n = 0;
        for (Pod p : pods) {
            if (JobPods.index(p, completions) == index && JobPods.failed(p, job)) {
                n = Math.max(n, JobPods.failureCount(p) + 1);
            }
        }
        return n;
    }

    /** {reason, message} when the Job must fail, or null. */
    private String[] failure(Job job, JobStatus status, List<Pod> active, Tally tally, TreeSet<Integer> failedIndexes,
                             TreeSet<Integer> completed, Instant now) {
        if (tally.failJob != null) {
            return new String[] {"PodFailurePolicy", tally.failJob.message()};
        }
        if (exceedsBackoffLimit(job, status, active)) {
            return new String[] {"BackoffLimitExceeded", "Job has reached the specified backoff limit"};
        }
        Long deadline = job.getSpec().getActiveDeadlineSeconds();
        Instant started = Times.parse(status.getStartTime());
        if (deadline != null && started != null && !now.isBefore(started.plusSeconds(deadline))) {
            return new String[] {"DeadlineExceeded", "Job was active longer than specified deadline"};
        }
        if (JobPods.indexed(job) && !failedIndexes.isEmpty()) {
            Integer maxFailed = job.getSpec().getMaxFailedIndexes();
            if (maxFailed != null && failedIndexes.size() > maxFailed) {
                return new String[] {"MaxFailedIndexesExceeded",
                        "Job has exceeded the specified maximal number of failed indexes"};
            }
            int completions = job.getSpec().getCompletions();
            Set<Integer> done = new HashSet<>(completed);
            done.addAll(failedIndexes);
            if (done.size() >= completions && active.isEmpty()) {
                return new String[] {"FailedIndexes", "Job has failed indexes"};
            }
        }
        return null;
    }

    /** Kubernetes: failed pods beyond backoffLimit; with restartPolicy OnFailure also the active pods' restarts. */
    private static boolean exceedsBackoffLimit(Job job, JobStatus status, List<Pod> active) {
        int limit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
        int failed = status.getFailed() == null ? 0 : status.getFailed();
        if (failed > limit) {
            return true;
        }
        if (!"OnFailure".equals(job.getSpec().getTemplate().getSpec().getRestartPolicy())) {
            return false;
        }
        int restarts = 0;
        for (Pod p : active) {
            if (p.getStatus() == null) {
                continue;
            }
            for (List<ContainerStatus> list : java.util.Arrays.asList(p.getStatus().getInitContainerStatuses(),
                    p.getStatus().getContainerStatuses())) {
                if (list != null) {
                    for (ContainerStatus c : list) {
                        restarts += c.getRestartCount() == null ? 0 : c.getRestartCount();
                    }
                }
            }
        }
        return limit == 0 ? restarts > 0 : restarts >= limit;
    }

    private static boolean complete(Job job, JobStatus status, List<Pod> active, TreeSet<Integer> completed,
                                    int completions, boolean indexed) {
        int succeeded = status.getSucceeded() == null ? 0 : status.getSucceeded();
        if (indexed) {
            return completed.size() >= completions;
        }
        if (completions < 0) {
            return succeeded > 0 && active.isEmpty();
        }
        return succeeded >= completions;
    }

    /** Creates and deletes pods toward the wanted number of active ones; returns {created, deleted}. */
    private int[] manage(String key, Job job, List<Pod> active, int terminating, TreeSet<Integer> completed,
                         TreeSet<Integer> failedIndexes, int completions, Backoff backoff, Instant now) throws Exception {
        int parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
        boolean onlyFailed = "Failed".equals(job.getSpec().getPodReplacementPolicy());
        int busy = active.size() + (onlyFailed ? terminating : 0);
        List<Pod> excess = new ArrayList<>();
        List<Integer> toCreate = new ArrayList<>();
        if (JobPods.indexed(job)) {
            Map<Integer, Pod> byIndex = new HashMap<>();
            for (Pod p : active) {
                int i = JobPods.index(p, completions);
                if (i < 0 || completed.contains(i) || failedIndexes.contains(i) || byIndex.containsKey(i)) {
                    excess.add(p);
                } else {
                    byIndex.put(i, p);
                }
            }
            busy -= excess.size();
            List<Integer> running = new ArrayList<>(byIndex.keySet());
            running.sort(java.util.Comparator.reverseOrder());
            for (int j = 0; busy > parallelism && j < running.size(); j++) {
                excess.add(byIndex.get(running.get(j)));
                busy--;
            }
            for (int i = 0; i < completions && busy + toCreate.size() < parallelism; i++) {
                if (!completed.contains(i) && !failedIndexes.contains(i) && !byIndex.containsKey(i)) {
                    toCreate.add(i);
                }
            }
        } else {
            int succeeded = job.getStatus().getSucceeded() == null ? 0 : job.getStatus().getSucceeded();
            int want;
            if (completions < 0) {
                want = succeeded > 0 ? Math.min(busy, parallelism) : parallelism;
            } else {
                want = Math.max(0, Math.min(parallelism, completions - succeeded));
            }
            if (busy > want) {
                excess.addAll(PodDeletionRanking.podsToDelete(active, Math.min(busy - want, active.size())));
            } else {
                for (int i = 0; i < want - busy; i++) {
                    toCreate.add(-1);
                }
            }
        }
        int deleted = 0;
        if (!excess.isEmpty()) {
            deleted = terminate(key, job, excess.subList(0, Math.min(excess.size(), BURST)));
        }
        if (toCreate.isEmpty()) {
            return new int[] {0, deleted};
        }
        if (backoff.failures > 0) {
            long factor = 1L << Math.min(backoff.failures - 1, 30);
            Duration delay = options.backoffBase().multipliedBy(factor);
            if (delay.compareTo(options.backoffMax()) > 0 || delay.isNegative()) {
                delay = options.backoffMax();
            }
            Instant ready = backoff.last.plus(delay);
            if (now.isBefore(ready)) {
                controller.enqueueAfter(key, Duration.between(now, ready));
                return new int[] {0, deleted};
            }
        }
        List<Integer> batch = toCreate.subList(0, Math.min(toCreate.size(), BURST));
        List<Pod> pods = new ArrayList<>(claimedForIndexFailures(job));
        Job owner = job;
        podControl.createInBatches(key, expectations, owner, batch.size(), i -> {
            int index = batch.get(i);
            return JobPods.newPod(owner, index, index < 0 ? 0 : indexFailures(owner, pods, index, completions));
        });
        return new int[] {batch.size(), deleted};
    }

    private List<Pod> claimedForIndexFailures(Job job) {
        return job.getSpec().getBackoffLimitPerIndex() == null ? List.of()
                : podInformer.getIndexer().byIndex(SharedInformers.BY_OWNER, job.getMetadata().getUid());
    }

    /** Deletes pods this Job no longer wants; they lose the tracking finalizer first, so they count as nothing. */
    private int terminate(String key, Job job, List<Pod> pods) throws KubernetesClientException {
        if (pods.isEmpty()) {
            return 0;
        }
        List<Pod> targets = new ArrayList<>(pods);
        for (Pod p : targets) {
            removeFinalizer(p);
        }
        podControl.delete(key, expectations, job, targets);
        return targets.size();
    }

    private List<Pod> claim(Job job) {
        ControllerRefManager<Pod> refs = ControllerRefManager.forSelector(client, job, job.getSpec().getSelector(),
                () -> client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                        .withName(job.getMetadata().getName()).get());
        return refs.claim(podInformer.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, job.getMetadata().getNamespace()));
    }

    /** A finished Job keeps no pod behind its finalizer. */
    private void releaseAll(Job job) {
        for (Pod p : podInformer.getIndexer().byIndex(SharedInformers.BY_OWNER, job.getMetadata().getUid())) {
            if (JobPods.hasFinalizer(p)) {
                removeFinalizer(p);
            }
        }
    }

    /** Removes the tracking finalizer with a JSON patch that tests it is still where the cache saw it. */
    private boolean removeFinalizer(Pod pod) {
        if (!JobPods.hasFinalizer(pod)) {
            return true;
        }
        int i = pod.getMetadata().getFinalizers().indexOf(JobPods.TRACKING_FINALIZER);
        String patch = "[{\"op\":\"test\",\"path\":\"/metadata/finalizers/" + i + "\",\"value\":\""
                + JobPods.TRACKING_FINALIZER + "\"},{\"op\":\"remove\",\"path\":\"/metadata/finalizers/" + i + "\"}]";
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON), patch);
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return true;
            }
            log.info("cannot remove the job tracking finalizer of pod {}/{}: {}", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), e.getMessage());
            controller.enqueueAfter(Cache.namespaceKeyFunc(pod.getMetadata().getNamespace(),
                    Pods.controllerOf(pod).map(OwnerReference::getName).orElse("")), Duration.ofSeconds(1));
            return false;
        }
    }

    static JobCondition condition(JobStatus status, String type) {
        if (status.getConditions() == null) {
            return null;
        }
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /** The Complete or Failed condition, if true. */
    static JobCondition finishedCondition(JobStatus status) {
        for (String type : List.of("Complete", "Failed")) {
            JobCondition c = condition(status, type);
            if (c != null && "True".equals(c.getStatus())) {
                return c;
            }
        }
        return null;
    }

    private static JobCondition setCondition(JobStatus status, String type, String value, String reason, String message,
                                             Instant now) {
        List<JobCondition> conditions = status.getConditions() == null ? new ArrayList<>()
                : new ArrayList<>(status.getConditions());
        conditions.removeIf(c -> type.equals(c.getType()));
        JobCondition c = new JobCondition();
        c.setType(type);
        c.setStatus(value);
        c.setReason(reason);
        c.setMessage(message);
        c.setLastProbeTime(Times.format(now));
        c.setLastTransitionTime(Times.format(now));
        conditions.add(c);
        status.setConditions(conditions);
        return c;
    }

    private void writeStatusIfChanged(Job job, JobStatus before, JobStatus status) {
        if (Semantic.equal(before, status)) {
            return;
        }
        updateStatus(job, status);
    }

    private Job updateStatus(Job job, JobStatus status) {
        Job copy = client.getKubernetesSerialization().clone(job);
        copy.setStatus(status);
        Job updated = client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).resource(copy)
                .updateStatus();
        if (updated.getStatus() == null) {
            updated.setStatus(new JobStatus());
        }
        return updated;
    }
}
