package dev.keelson.controllermanager.podautoscaler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What Kubernetes' HPA does between a metric's proposal and a new replica count (horizontal.go's normalize*
 * functions): stabilization over the recent recommendations of each autoscaler, then the scale rate limits, either
 * the fixed ones (double or 4, no behavior) or the behavior's policies (Pods/Percent per period, selectPolicy
 * Max/Min/Disabled) measured against the scale events of each period. Keeps those recommendations and events in
 * memory per autoscaler key, as kube-controller-manager does; the conditions it sets come back in {@link Outcome}.
 */
public final class ScalingBehavior {
    /** --horizontal-pod-autoscaler-downscale-stabilization for autoscalers without behavior. */
    static final Duration DEFAULT_DOWNSCALE_STABILIZATION = Duration.ofMinutes(5);

    /** A rule set of spec.behavior.scaleUp or scaleDown, defaulted. */
    public record Rules(int stabilizationWindowSeconds, String selectPolicy, List<Policy> policies) {}

    public record Policy(String type, int value, int periodSeconds) {}

    /** A condition the normalization sets: type, status, reason, message. */
    public record Condition(String type, String status, String reason, String message) {}

    public record Outcome(int replicas, List<Condition> conditions) {}

    private record Recommendation(int replicas, Instant time) {}

    private record ScaleEvent(int change, Instant time) {}

    private final Clock clock;
    private final Map<String, List<Recommendation>> recommendations = new ConcurrentHashMap<>();
    private final Map<String, List<ScaleEvent>> scaleUpEvents = new ConcurrentHashMap<>();
    private final Map<String, List<ScaleEvent>> scaleDownEvents = new ConcurrentHashMap<>();

    public ScalingBehavior(Clock clock) {
        this.clock = clock;
    }

    /** normalizeDesiredReplicas: no behavior in the spec. */
    public Outcome normalize(String key, int current, int proposed, int min, int max) {
        Instant now = clock.instant();
        List<Recommendation> recs = recommendations.computeIfAbsent(key, k -> new ArrayList<>());
        int stabilized = proposed;
        synchronized (recs) {
            Instant cutoff = now.minus(DEFAULT_DOWNSCALE_STABILIZATION);
            recs.removeIf(r -> r.time().isBefore(cutoff));
            for (Recommendation r : recs) {
                stabilized = Math.max(stabilized, r.replicas());
            }
            recs.add(new Recommendation(proposed, now));
        }
        List<Condition> conditions = new ArrayList<>();
        conditions.add(stabilized != proposed
                ? new Condition("AbleToScale", "True", "ScaleDownStabilized",
                        "recent recommendations were higher than current one, applying the highest recent recommendation")
                : new Condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"));
        int upLimit = Math.max(2 * current, 4);
        int maxAllowed;
        String reason;
        String message;
        if (max > upLimit) {
            maxAllowed = upLimit;
            reason = "ScaleUpLimit";
            message = "the desired replica count is increasing faster than the maximum scale rate";
        } else {
            maxAllowed = max;
            reason = "TooManyReplicas";
            message = "the desired replica count is more than the maximum replica count";
        }
        int desired = stabilized;
        if (stabilized < min) {
            desired = min;
            reason = "TooFewReplicas";
            message = "the desired replica count is less than the minimum replica count";
        } else if (stabilized > maxAllowed) {
            desired = maxAllowed;
        } else {
            reason = "DesiredWithinRange";
            message = "the desired count is within the acceptable range";
        }
        conditions.add(new Condition("ScalingLimited", desired == stabilized ? "False" : "True", reason, message));
        return new Outcome(desired, conditions);
    }

    /** normalizeDesiredReplicasWithBehaviors. */
    public Outcome normalize(String key, int current, int proposed, int min, int max, Rules up, Rules down) {
        Instant now = clock.instant();
        List<Recommendation> recs = recommendations.computeIfAbsent(key, k -> new ArrayList<>());
        int stabilized = proposed;
        String reason;
        String message;
        synchronized (recs) {
            boolean upwards = proposed >= current;
            int delay = upwards ? up.stabilizationWindowSeconds() : down.stabilizationWindowSeconds();
            reason = upwards ? "ScaleUpStabilized" : "ScaleDownStabilized";
            message = upwards ? "recent recommendations were lower than current one, applying the lowest recent recommendation"
                    : "recent recommendations were higher than current one, applying the highest recent recommendation";
            int maxDelay = Math.max(up.stabilizationWindowSeconds(), down.stabilizationWindowSeconds());
            Instant obsolete = now.minusSeconds(maxDelay);
            Instant cutoff = now.minusSeconds(delay);
            for (Recommendation r : recs) {
                if (r.time().isAfter(cutoff)) {
                    stabilized = upwards ? Math.min(stabilized, r.replicas()) : Math.max(stabilized, r.replicas());
                }
            }
            recs.removeIf(r -> r.time().isBefore(obsolete));
            recs.add(new Recommendation(proposed, now));
        }
        List<Condition> conditions = new ArrayList<>();
        conditions.add(stabilized != proposed ? new Condition("AbleToScale", "True", reason, message)
                : new Condition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"));
        int desired = stabilized;
        String limitReason = "DesiredWithinRange";
        String limitMessage = "the desired count is within the acceptable range";
        List<ScaleEvent> ups = events(scaleUpEvents, key);
        List<ScaleEvent> downs = events(scaleDownEvents, key);
        if (stabilized > current) {
            int upLimit = Math.max(current, scaleUpLimit(current, ups, downs, up, now));
            int maxAllowed = max;
            String r;
            String m;
            if (maxAllowed > upLimit) {
                maxAllowed = upLimit;
                r = "ScaleUpLimit";
                m = "the desired replica count is increasing faster than the maximum scale rate";
            } else {
                r = "TooManyReplicas";
                m = "the desired replica count is more than the maximum replica count";
            }
            if (stabilized > maxAllowed) {
                desired = maxAllowed;
                limitReason = r;
                limitMessage = m;
            }
        } else if (stabilized < current) {
            int downLimit = Math.min(current, scaleDownLimit(current, ups, downs, down, now));
            int minAllowed = min;
            String r;
            String m;
            if (minAllowed < downLimit) {
                minAllowed = downLimit;
                r = "ScaleDownLimit";
                m = "the desired replica count is decreasing faster than the maximum scale rate";
            } else {
                r = "TooFewReplicas";
                m = "the desired replica count is less than the minimum replica count";
            }
            if (stabilized < minAllowed) {
                desired = minAllowed;
                limitReason = r;
                limitMessage = m;
            }
        }
        conditions.add(new Condition("ScalingLimited", desired == stabilized ? "False" : "True", limitReason, limitMessage));
        return new Outcome(desired, conditions);
    }

    /** storeScaleEvent: remembered only for autoscalers with behavior, whose policies count them. */
    public void scaled(String key, int from, int to, Rules up, Rules down) {
        Instant now = clock.instant();
        boolean upwards = to > from;
        Rules rules = upwards ? up : down;
        int longest = rules.policies().stream().mapToInt(Policy::periodSeconds).max().orElse(0);
        List<ScaleEvent> list = events(upwards ? scaleUpEvents : scaleDownEvents, key);
        synchronized (list) {
            list.removeIf(e -> e.time().isBefore(now.minusSeconds(longest)));
            list.add(new ScaleEvent(Math.abs(to - from), now));
        }
    }

    /** Forgets an autoscaler that is gone. */
    public void forget(String key) {
        recommendations.remove(key);
        scaleUpEvents.remove(key);
        scaleDownEvents.remove(key);
    }

    private static List<ScaleEvent> events(Map<String, List<ScaleEvent>> all, String key) {
        return all.computeIfAbsent(key, k -> new ArrayList<>());
    }

    private static int changeInPeriod(int periodSeconds, List<ScaleEvent> events, Instant now) {
        Instant cutoff = now.minusSeconds(periodSeconds);
        int sum = 0;
        synchronized (events) {
            for (ScaleEvent e : events) {
                if (e.time().isAfter(cutoff)) {
                    sum += e.change();
                }
            }
        }
        return sum;
    }

    static int scaleUpLimit(int current, List<ScaleEvent> ups, List<ScaleEvent> downs, Rules rules, Instant now) {
        if ("Disabled".equals(rules.selectPolicy())) {
            return current;
        }
        boolean min = "Min".equals(rules.selectPolicy());
        int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (Policy p : rules.policies()) {
            int start = current - changeInPeriod(p.periodSeconds(), ups, now) + changeInPeriod(p.periodSeconds(), downs, now);
            int proposed = "Pods".equals(p.type()) ? start + p.value()
                    : (int) Math.ceil(start * (1 + p.value() / 100.0));
            result = min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    static int scaleDownLimit(int current, List<ScaleEvent> ups, List<ScaleEvent> downs, Rules rules, Instant now) {
        if ("Disabled".equals(rules.selectPolicy())) {
            return current;
        }
        boolean min = "Min".equals(rules.selectPolicy());
        int result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (Policy p : rules.policies()) {
            int start = current - changeInPeriod(p.periodSeconds(), ups, now) + changeInPeriod(p.periodSeconds(), downs, now);
            int proposed = "Pods".equals(p.type()) ? start - p.value() : (int) (start * (1 - p.value() / 100.0));
            result = min ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }
}
