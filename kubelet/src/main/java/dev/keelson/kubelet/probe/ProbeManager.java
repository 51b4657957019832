package dev.keelson.kubelet.probe;

import dev.keelson.componentbase.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the startup, liveness and readiness probes of running containers on their periods and keeps each
 * container's current results; a change of result asks for a pod sync. Results are per container id, so a new
 * container starts from scratch (not ready, not started).
 */
public final class ProbeManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProbeManager.class);

    /** Current probe results of one container. */
    public static final class Results {
        volatile boolean ready;
        volatile boolean started;
        volatile boolean livenessFailed;
        volatile String livenessMessage;

        public boolean ready() {
            return ready;
        }

        public boolean started() {
            return started;
        }

        public boolean livenessFailed() {
            return livenessFailed;
        }

        public String livenessMessage() {
            return livenessMessage;
        }
    }

    private enum Kind { STARTUP, LIVENESS, READINESS }

    private final class Worker implements Runnable {
        final Pod pod;
        final Container container;
        final String containerId;
        final String podIp;
        final Kind kind;
        final Probe probe;
        final Results results;
        int successes;
        int failures;
        ScheduledFuture<?> future;

        Worker(Pod pod, Container container, String containerId, String podIp, Kind kind, Probe probe, Results results) {
            this.pod = pod;
            this.container = container;
            this.containerId = containerId;
            this.podIp = podIp;
            this.kind = kind;
            this.probe = probe;
            this.results = results;
        }

        @Override
        public void run() {
            runner.execute(this::attempt);
        }

        private synchronized void attempt() {
            if (kind != Kind.STARTUP && container.getStartupProbe() != null && !results.started) {
                return;
            }
            if (kind == Kind.STARTUP && results.started) {
                return;
            }
            Prober.Outcome outcome = prober.probe(probe, container, containerId, podIp);
            int successThreshold = probe.getSuccessThreshold() == null || probe.getSuccessThreshold() < 1 ? 1 : probe.getSuccessThreshold();
            int failureThreshold = probe.getFailureThreshold() == null || probe.getFailureThreshold() < 1 ? 3 : probe.getFailureThreshold();
            boolean changed = false;
            if (outcome.success()) {
                failures = 0;
                successes++;
                if (successes >= successThreshold) {
                    changed = apply(true, null);
                }
            } else {
                successes = 0;
                failures++;
                String probeName = switch (kind) {
                    case STARTUP -> "Startup";
                    case LIVENESS -> "Liveness";
                    case READINESS -> "Readiness";
                };
                events.warning(pod, "spec.containers{" + container.getName() + "}", "Unhealthy",
                        probeName + " probe failed: " + outcome.message());
                if (failures >= failureThreshold) {
                    changed = apply(false, outcome.message());
                }
            }
            if (changed) {
                onChange.accept(pod.getMetadata().getUid());
            }
        }

        private boolean apply(boolean success, String message) {
            switch (kind) {
                case READINESS -> {
                    boolean old = results.ready;
                    results.ready = success;
                    return old != success;
                }
                case STARTUP -> {
                    if (success && !results.started) {
                        results.started = true;
                        if (container.getReadinessProbe() == null) {
                            results.ready = true;
                        }
                        return true;
                    }
                    if (!success) {
                        results.livenessFailed = true;
                        results.livenessMessage = "Container " + container.getName()
                                + " failed startup probe, will be restarted";
                        return true;
                    }
                    return false;
                }
                default -> {
                    if (!success && !results.livenessFailed) {
                        results.livenessFailed = true;
                        results.livenessMessage = "Container " + container.getName()
                                + " failed liveness probe, will be restarted";
                        return true;
                    }
                    return false;
                }
            }
        }
    }

    private final Prober prober;
    private final EventRecorder events;
    private final Consumer<String> onChange;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kubelet-probe-timer");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kubelet-prober");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Results> results = new ConcurrentHashMap<>();
    private final Map<String, java.util.List<Worker>> workers = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> containersOfPod = new ConcurrentHashMap<>();

    public ProbeManager(Prober prober, EventRecorder events, Consumer<String> onChange) {
        this.prober = prober;
        this.events = events;
        this.onChange = onChange;
    }

    /** Results for a container id; a container without probes is started and ready as soon as it runs. */
    public Results results(String containerId) {
        return results.get(containerId);
    }

    /** Starts the probes of a running container once; later calls for the same id do nothing. */
    public void ensure(Pod pod, Container container, String containerId, String podIp) {
        if (results.containsKey(containerId)) {
            return;
        }
        Results r = new Results();
        r.started = container.getStartupProbe() == null;
        r.ready = container.getReadinessProbe() == null && r.started;
        results.put(containerId, r);
        containersOfPod.computeIfAbsent(pod.getMetadata().getUid(), k -> ConcurrentHashMap.newKeySet()).add(containerId);
        java.util.List<Worker> list = new java.util.ArrayList<>();
        if (container.getStartupProbe() != null) {
            list.add(new Worker(pod, container, containerId, podIp, Kind.STARTUP, container.getStartupProbe(), r));
        }
        if (container.getLivenessProbe() != null) {
            list.add(new Worker(pod, container, containerId, podIp, Kind.LIVENESS, container.getLivenessProbe(), r));
        }
        if (container.getReadinessProbe() != null) {
            list.add(new Worker(pod, container, containerId, podIp, Kind.READINESS, container.getReadinessProbe(), r));
        }
        for (Worker w : list) {
            long delay = w.probe.getInitialDelaySeconds() == null ? 0 : Math.max(0, w.probe.getInitialDelaySeconds());
            long period = w.probe.getPeriodSeconds() == null || w.probe.getPeriodSeconds() < 1 ? 10 : w.probe.getPeriodSeconds();
            w.future = timer.scheduleAtFixedRate(w, delay * 1000, period * 1000, TimeUnit.MILLISECONDS);
        }
        workers.put(containerId, list);
        log.debug("probes for {} of pod {}: {}", container.getName(), pod.getMetadata().getName(), list.size());
    }

    /** Stops the probes of a container that stopped or was replaced. */
    public void remove(String containerId) {
        java.util.List<Worker> list = workers.remove(containerId);
        if (list != null) {
            list.forEach(w -> w.future.cancel(false));
        }
        results.remove(containerId);
    }

    /** Stops every probe of a pod. */
    public void removePod(String podUid) {
        Set<String> ids = containersOfPod.remove(podUid);
        if (ids != null) {
            ids.forEach(this::remove);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        runner.shutdownNow();
    }
}
