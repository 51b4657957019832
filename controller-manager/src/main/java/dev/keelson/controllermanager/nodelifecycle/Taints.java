package dev.keelson.controllermanager.nodelifecycle;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Which NoExecute taints a pod tolerates, and for how long (Kubernetes' toleration matching rules). */
public final class Taints {
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    static final String NOT_READY = "node.kubernetes.io/not-ready";
    static final String NO_EXECUTE = "NoExecute";

    private Taints() {}

    public static boolean tolerates(Toleration t, Taint taint) {
        if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
            return false;
        }
        String op = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
        if ("Exists".equals(op)) {
            return t.getKey() == null || t.getKey().isEmpty() || t.getKey().equals(taint.getKey());
        }
        return Objects.equals(t.getKey(), taint.getKey())
                && Objects.equals(Objects.requireNonNullElse(t.getValue(), ""), Objects.requireNonNullElse(taint.getValue(), ""));
    }

    /**
     * How long {@code pod} may stay on a node with these NoExecute taints: the shortest tolerationSeconds of the
     * tolerations used; empty means forever, zero means evict now (a taint is not tolerated at all).
     */
    static Optional<Duration> tolerationTime(Pod pod, List<Taint> noExecuteTaints) {
        List<Toleration> tolerations = pod.getSpec() == null || pod.getSpec().getTolerations() == null
                ? List.of() : pod.getSpec().getTolerations();
        Duration min = null;
        for (Taint taint : noExecuteTaints) {
            boolean tolerated = false;
            for (Toleration t : tolerations) {
                if (!tolerates(t, taint)) {
                    continue;
                }
                tolerated = true;
                if (t.getTolerationSeconds() != null) {
                    Duration d = Duration.ofSeconds(Math.max(0, t.getTolerationSeconds()));
                    if (min == null || d.compareTo(min) < 0) {
                        min = d;
                    }
                }
            }
            if (!tolerated) {
                return Optional.of(Duration.ZERO);
            }
        }
        return Optional.ofNullable(min);
    }
}
