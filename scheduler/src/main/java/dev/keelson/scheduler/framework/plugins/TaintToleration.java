package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScorePlugin;
import dev.keelson.scheduler.framework.Tolerations;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

/**
 * Filter: the pod must tolerate every NoSchedule and NoExecute taint. Score: fewer untolerated
 * PreferNoSchedule taints is better.
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin {
    public static final String NAME = "TaintToleration";

    @Override
    public String name() {
        return NAME;
    }

    public static String untoleratedReason(String key, String value) {
        return "node(s) had untolerated taint {" + key + ": " + (value == null ? "" : value) + "}";
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        List<Taint> taints = node.taints();
        for (int i = 0; i < taints.size(); i++) {
            Taint t = taints.get(i);
            String effect = t.getEffect();
            if (("NoSchedule".equals(effect) || "NoExecute".equals(effect))
                    && !Tolerations.anyTolerates(pod.tolerations(), t)) {
                return FilterResult.reject(NAME, untoleratedReason(t.getKey(), t.getValue()));
            }
        }
        return null;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        List<Taint> taints = node.taints();
        List<Toleration> tolerations = pod.tolerations();
        long intolerable = 0;
        for (int i = 0; i < taints.size(); i++) {
            Taint t = taints.get(i);
            if ("PreferNoSchedule".equals(t.getEffect()) && !toleratesPreferNoSchedule(tolerations, t)) {
                intolerable++;
            }
        }
        return intolerable;
    }

    /** Only tolerations for PreferNoSchedule (or for every effect) count when scoring, as in Kubernetes. */
    private static boolean toleratesPreferNoSchedule(List<Toleration> tolerations, Taint t) {
        for (int i = 0; i < tolerations.size(); i++) {
            Toleration tol = tolerations.get(i);
            boolean effectApplies = tol.getEffect() == null || tol.getEffect().isEmpty()
                    || "PreferNoSchedule".equals(tol.getEffect());
            if (effectApplies && Tolerations.tolerates(tol, t.getKey(), t.getValue(), t.getEffect())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void normalize(PodInfo pod, long[] scores, int n) {
        ScorePlugin.defaultNormalize(scores, n, true);
    }
}
