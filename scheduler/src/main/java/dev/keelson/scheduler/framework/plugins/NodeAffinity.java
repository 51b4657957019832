package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.FilterPlugin;
import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.NodeSelectorMatcher;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScorePlugin;
import java.util.List;
import java.util.Map;

/**
 * Filter: spec.nodeSelector and the required node affinity (terms ORed) must match the node.
 * Score: the sum of the weights of the preferred terms the node matches.
 */
public final class NodeAffinity implements FilterPlugin, ScorePlugin {
    public static final String NAME = "NodeAffinity";
    public static final String REASON = "node(s) didn't match Pod's node affinity/selector";
    private static final FilterResult REJECTED = FilterResult.reject(NAME, REASON);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public FilterResult filter(PodInfo pod, NodeInfo node) {
        Map<String, String> labels = node.labels();
        for (Map.Entry<String, String> e : pod.nodeSelector().entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return REJECTED;
            }
        }
        List<NodeSelectorMatcher> terms = pod.requiredTerms();
        if (terms == null) {
            return null;
        }
        for (int i = 0; i < terms.size(); i++) {
            if (terms.get(i).matches(labels, node.name())) {
                return null;
            }
        }
        return REJECTED;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        long sum = 0;
        List<PodInfo.PreferredTerm> terms = pod.preferredTerms();
        for (int i = 0; i < terms.size(); i++) {
            if (terms.get(i).matcher().matches(node.labels(), node.name())) {
                sum += terms.get(i).weight();
            }
        }
        return sum;
    }

    @Override
    public void normalize(PodInfo pod, long[] scores, int n) {
        ScorePlugin.defaultNormalize(scores, n, false);
    }
}
