package dev.keelson.scheduler.framework;

/** A score extension point: how good is this feasible node for this pod, on a 0..100 scale after normalising. */
public interface ScorePlugin {
    int MAX_NODE_SCORE = 100;

    String name();

    long score(PodInfo pod, NodeInfo node);

    /** Rescales raw scores of the first {@code n} nodes in place to 0..MAX_NODE_SCORE; the default keeps them. */
    default void normalize(PodInfo pod, long[] scores, int n) {}

    /**
     * Kubernetes' DefaultNormalizeScore: scale so the best node gets MAX_NODE_SCORE; reversed, the node
     * with the largest raw score gets 0. All zero raw scores give 0 (or MAX_NODE_SCORE when reversed).
     */
    static void defaultNormalize(long[] scores, int n, boolean reverse) {
        long max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, scores[i]);
        }
        if (max == 0) {
            if (reverse) {
                java.util.Arrays.fill(scores, 0, n, MAX_NODE_SCORE);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            long s = MAX_NODE_SCORE * scores[i] / max;
            scores[i] = reverse ? MAX_NODE_SCORE - s : s;
        }
    }
}
