package dev.keelson.scheduler.framework.plugins;

import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import dev.keelson.scheduler.framework.ScorePlugin;

/**
 * Spreads replicas: prefers nodes running fewer pods of the same controlling owner (the ReplicaSet,
 * StatefulSet ... that the pod's controller ownerReference names).
 */
public final class SelectorSpread implements ScorePlugin {
    public static final String NAME = "SelectorSpread";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long score(PodInfo pod, NodeInfo node) {
        return node.podsOfOwner(pod.ownerUid());
    }

    @Override
    public void normalize(PodInfo pod, long[] scores, int n) {
        ScorePlugin.defaultNormalize(scores, n, true);
    }
}
