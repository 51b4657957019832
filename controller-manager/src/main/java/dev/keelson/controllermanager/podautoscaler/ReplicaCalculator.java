package dev.keelson.controllermanager.podautoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The replica arithmetic of Kubernetes' HPA (pkg/controller/podautoscaler/replica_calculator.go): pods are grouped
 * into ready, unready (pending, or CPU samples from before the pod was ready), missing (no metrics) and ignored
 * (failed, deleting); the usage ratio over the ready pods decides, within a 10 % tolerance; then missing pods count as
 * using the target (scale-down) or nothing (scale-up), unready ones as nothing on a scale-up, and a recount that
 * changes direction keeps the current count. Pure: no I/O, unit-tested with made-up metrics.
 */
public final class ReplicaCalculator {
    public static final double TOLERANCE = 0.1;
    static final Duration CPU_INITIALIZATION_PERIOD = Duration.ofMinutes(5);
    static final Duration DELAY_OF_INITIAL_READINESS_STATUS = Duration.ofSeconds(30);

    /** A targeted pod as the calculation needs it. */
    public record PodInfo(String name, String phase, boolean deleting, Instant startTime, Boolean ready,
                          Instant readyTransition, Map<String, Long> containerRequestsMilli) {}

    /** A pod's usage (milli-units summed over its containers) and when and over what window it was measured. */
    public record PodMetric(long valueMilli, Instant timestamp, Duration window) {}

    /**
     * @param utilization current average utilization in percent of requests (Utilization targets), else 0
     * @param rawAverageMilli current average usage per pod in milli-units
     */
    public record Result(int replicas, int utilization, long rawAverageMilli) {}

    /** A reason the replica count cannot be computed, with Kubernetes' message. */
    public static final class CalculationException extends Exception {
        public CalculationException(String message) {
            super(message);
        }
    }

    private ReplicaCalculator() {}

    /** GetResourceReplicas: a target utilization in percent of the pods' requests of {@code resource}. */
    public static Result utilizationReplicas(int currentReplicas, int targetUtilization, String resource,
                                             List<PodInfo> pods, Map<String, PodMetric> metrics, Instant now)
            throws CalculationException {
        if (pods.isEmpty()) {
            throw new CalculationException("no pods returned by selector while calculating replica count");
        }
        Groups g = group(pods, metrics, resource, now);
        Map<String, Long> usable = new HashMap<>();
        metrics.forEach((name, m) -> {
            if (!g.ignored.contains(name) && !g.unready.contains(name)) {
                usable.put(name, m.valueMilli());
            }
        });
        usable.keySet().retainAll(names(pods));
        if (usable.isEmpty()) {
            throw new CalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        Map<String, Long> requests = requests(pods, resource);
        Ratio r = utilizationRatio(usable, requests, targetUtilization);
        boolean scaleUpWithUnready = !g.unready.isEmpty() && r.ratio > 1.0;
        if (!scaleUpWithUnready && g.missing.isEmpty()) {
            if (Math.abs(1.0 - r.ratio) <= TOLERANCE) {
                return new Result(currentReplicas, r.utilization, r.rawAverage);
            }
            return new Result((int) Math.ceil(r.ratio * g.readyCount), r.utilization, r.rawAverage);
        }
        if (!g.missing.isEmpty()) {
            if (r.ratio < 1.0) {
                long fallback = Math.max(100, targetUtilization);
                for (String p : g.missing) {
                    usable.put(p, requests.getOrDefault(p, 0L) * fallback / 100);
                }
            } else if (r.ratio > 1.0) {
                for (String p : g.missing) {
                    usable.put(p, 0L);
                }
            }
        }
        if (scaleUpWithUnready) {
            for (String p : g.unready) {
                usable.put(p, 0L);
            }
        }
        double newRatio = utilizationRatio(usable, requests, targetUtilization).ratio;
        return recount(currentReplicas, r.ratio, newRatio, usable.size(), r.utilization, r.rawAverage);
    }

    /** GetRawResourceReplicas: a target average value (milli-units) per pod. */
    public static Result averageValueReplicas(int currentReplicas, long targetMilli, String resource, List<PodInfo> pods,
                                              Map<String, PodMetric> metrics, Instant now) throws CalculationException {
        if (pods.isEmpty()) {
            throw new CalculationException("no pods returned by selector while calculating replica count");
        }
        Groups g = group(pods, metrics, resource, now);
        Map<String, Long> usable = new HashMap<>();
        metrics.forEach((name, m) -> {
            if (!g.ignored.contains(name) && !g.unready.contains(name)) {
                usable.put(name, m.valueMilli());
            }
        });
        usable.keySet().retainAll(names(pods));
        if (usable.isEmpty()) {
            throw new CalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }
        long average = total(usable) / usable.size();
        double ratio = (double) average / targetMilli;
        boolean scaleUpWithUnready = !g.unready.isEmpty() && ratio > 1.0;
        if (!scaleUpWithUnready && g.missing.isEmpty()) {
            if (Math.abs(1.0 - ratio) <= TOLERANCE) {
                return new Result(currentReplicas, 0, average);
            }
            return new Result((int) Math.ceil(ratio * g.readyCount), 0, average);
        }
        if (!g.missing.isEmpty()) {
            for (String p : g.missing) {
                usable.put(p, ratio < 1.0 ? targetMilli : 0L);
            }
        }
        if (scaleUpWithUnready) {
            for (String p : g.unready) {
                usable.put(p, 0L);
            }
        }
        double newRatio = (double) (total(usable) / usable.size()) / targetMilli;
        return recount(currentReplicas, ratio, newRatio, usable.size(), 0, average);
    }

    private static Result recount(int current, double ratio, double newRatio, int count, int utilization, long raw) {
        if (Math.abs(1.0 - newRatio) <= TOLERANCE || ratio < 1.0 && newRatio > 1.0 || ratio > 1.0 && newRatio < 1.0) {
            return new Result(current, utilization, raw);
        }
        int replicas = (int) Math.ceil(newRatio * count);
        if (newRatio < 1.0 && replicas > current || newRatio > 1.0 && replicas < current) {
            return new Result(current, utilization, raw);
        }
        return new Result(replicas, utilization, raw);
    }

    private static long total(Map<String, Long> values) {
        long t = 0;
        for (long v : values.values()) {
            t += v;
        }
        return t;
    }

    private static Set<String> names(List<PodInfo> pods) {
        Set<String> out = new HashSet<>();
        pods.forEach(p -> out.add(p.name()));
        return out;
    }

    private record Ratio(double ratio, int utilization, long rawAverage) {}

    /** GetResourceUtilizationRatio. */
    private static Ratio utilizationRatio(Map<String, Long> metrics, Map<String, Long> requests, int target)
            throws CalculationException {
        long metricsTotal = 0;
        long requestsTotal = 0;
        int entries = 0;
        for (Map.Entry<String, Long> e : metrics.entrySet()) {
            Long request = requests.get(e.getKey());
            if (request == null) {
                continue;
            }
            metricsTotal += e.getValue();
            requestsTotal += request;
            entries++;
        }
        if (requestsTotal == 0) {
            throw new CalculationException("no metrics returned matched known pods");
        }
        int utilization = (int) (metricsTotal * 100 / requestsTotal);
        return new Ratio((double) utilization / target, utilization, metricsTotal / entries);
    }

    /** calculatePodRequests: every container of every pod must request the resource. */
    static Map<String, Long> requests(List<PodInfo> pods, String resource) throws CalculationException {
        Map<String, Long> out = new HashMap<>();
        for (PodInfo p : pods) {
            long sum = 0;
            for (Map.Entry<String, Long> c : p.containerRequestsMilli().entrySet()) {
                if (c.getValue() == null) {
                    throw new CalculationException("missing request for " + resource + " in container " + c.getKey()
                            + " of Pod " + p.name());
                }
                sum += c.getValue();
            }
            out.put(p.name(), sum);
        }
        return out;
    }

    private static final class Groups {
        int readyCount;
        final Set<String> unready = new HashSet<>();
        final Set<String> missing = new HashSet<>();
        final Set<String> ignored = new HashSet<>();
    }

    /** groupPods. */
    private static Groups group(List<PodInfo> pods, Map<String, PodMetric> metrics, String resource, Instant now) {
        Groups g = new Groups();
        for (PodInfo pod : pods) {
            if ("Failed".equals(pod.phase())) {
                g.ignored.add(pod.name());
                continue;
            }
            if ("Pending".equals(pod.phase())) {
                g.unready.add(pod.name());
                continue;
            }
            if (pod.deleting()) {
                g.ignored.add(pod.name());
                continue;
            }
            PodMetric metric = metrics.get(pod.name());
            if (metric == null) {
                g.missing.add(pod.name());
                continue;
            }
            if ("cpu".equals(resource)) {
                boolean unready;
                if (pod.ready() == null || pod.startTime() == null) {
                    unready = true;
                } else if (pod.startTime().plus(CPU_INITIALIZATION_PERIOD).isAfter(now)) {
                    Instant transition = pod.readyTransition() == null ? pod.startTime() : pod.readyTransition();
                    unready = !pod.ready() || metric.timestamp().isBefore(transition.plus(metric.window()));
                } else {
                    Instant transition = pod.readyTransition() == null ? pod.startTime() : pod.readyTransition();
                    unready = !pod.ready() && pod.startTime().plus(DELAY_OF_INITIAL_READINESS_STATUS).isAfter(transition);
                }
                if (unready) {
                    g.unready.add(pod.name());
                    continue;
                }
            }
            g.readyCount++;
        }
        return g;
    }
}
