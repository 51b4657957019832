package dev.keelson.scheduler.framework;

import dev.keelson.scheduler.framework.plugins.BalancedAllocation;
import dev.keelson.scheduler.framework.plugins.LeastAllocated;
import dev.keelson.scheduler.framework.plugins.NodeAffinity;
import dev.keelson.scheduler.framework.plugins.NodeName;
import dev.keelson.scheduler.framework.plugins.NodePorts;
import dev.keelson.scheduler.framework.plugins.NodeReady;
import dev.keelson.scheduler.framework.plugins.NodeResourcesFit;
import dev.keelson.scheduler.framework.plugins.NodeUnschedulable;
import dev.keelson.scheduler.framework.plugins.SelectorSpread;
import dev.keelson.scheduler.framework.plugins.TaintToleration;
import dev.keelson.scheduler.framework.plugins.VolumeBinding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs one scheduling cycle: filter plugins in order (a node's first rejection is its status), then the
 * weighted, normalised score plugins over the feasible nodes, then picks the best (ties at random).
 * Like Kubernetes it stops filtering once it has found enough feasible nodes in large clusters
 * (percentageOfNodesToScore) and starts the next search where the last one stopped.
 * Not thread-safe: one instance per scheduling thread, called with the cache's lock held.
 */
public final class Framework {
    static final int MIN_FEASIBLE_NODES_TO_FIND = 100;
    static final int MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

    /** Kubernetes' default score weights. */
    public static final Map<String, Integer> DEFAULT_WEIGHTS = defaultWeights();

    record WeightedScorer(ScorePlugin plugin, int weight) {}

    private final List<FilterPlugin> filters;
    private final List<PreFilterPlugin> preFilters;
    private final List<WeightedScorer> scorers;
    private final int percentageOfNodesToScore;
    private final Random random;
    private int nextStartNodeIndex;

    private NodeInfo[] feasible = new NodeInfo[128];
    private long[] scratch = new long[128];
    private long[] totals = new long[128];

    public Framework(List<FilterPlugin> filters, List<ScorePlugin> scorePlugins, Map<String, Integer> weights,
                     int percentageOfNodesToScore, Random random) {
        this.filters = List.copyOf(filters);
        this.preFilters = filters.stream().filter(f -> f instanceof PreFilterPlugin).map(f -> (PreFilterPlugin) f)
                .toList();
        List<WeightedScorer> ws = new ArrayList<>();
        for (ScorePlugin p : scorePlugins) {
            int w = weights.getOrDefault(p.name(), 1);
            if (w < 0) {
                throw new IllegalArgumentException("score weight of " + p.name() + " must not be negative: " + w);
            }
            if (w > 0) {
                ws.add(new WeightedScorer(p, w));
            }
        }
        for (String name : weights.keySet()) {
            if (scorePlugins.stream().noneMatch(p -> p.name().equals(name))) {
                throw new IllegalArgumentException("unknown score plugin " + name + "; known: "
                        + scorePlugins.stream().map(ScorePlugin::name).toList());
            }
        }
        this.scorers = List.copyOf(ws);
        if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
            throw new IllegalArgumentException("percentageOfNodesToScore must be 0..100 (0 = adaptive): " + percentageOfNodesToScore);
        }
        this.percentageOfNodesToScore = percentageOfNodesToScore;
        this.random = random;
    }

    /** The default plugin set; {@code weights} override DEFAULT_WEIGHTS per score plugin name. */
    public static Framework withDefaultPlugins(Map<String, Integer> weights, int percentageOfNodesToScore, Random random) {
        return withDefaultPlugins(weights, percentageOfNodesToScore, random, null);
    }

    /** The default plugin set with the VolumeBinding plugin (last among the filters, as in Kubernetes), if given. */
    public static Framework withDefaultPlugins(Map<String, Integer> weights, int percentageOfNodesToScore, Random random,
                                               VolumeBinding volumeBinding) {
        TaintToleration taints = new TaintToleration();
        NodeAffinity affinity = new NodeAffinity();
        List<FilterPlugin> filters = new ArrayList<>(List.of(new NodeUnschedulable(), new NodeName(), taints,
                new NodeReady(), affinity, new NodePorts(), new NodeResourcesFit()));
        if (volumeBinding != null) {
            filters.add(volumeBinding);
        }
        List<ScorePlugin> scorers = List.of(new LeastAllocated(), new BalancedAllocation(), affinity, taints,
                new SelectorSpread());
        Map<String, Integer> merged = new HashMap<>(DEFAULT_WEIGHTS);
        merged.putAll(weights);
        return new Framework(filters, scorers, merged, percentageOfNodesToScore, random);
    }

    private static Map<String, Integer> defaultWeights() {
        Map<String, Integer> w = new LinkedHashMap<>();
        w.put(LeastAllocated.NAME, 1);
        w.put(BalancedAllocation.NAME, 1);
        w.put(NodeAffinity.NAME, 2);
        w.put(TaintToleration.NAME, 3);
        w.put(SelectorSpread.NAME, 2);
        return Map.copyOf(w);
    }

    /** Kubernetes' numFeasibleNodesToFind: all nodes below 100, else an adaptive share (50% minus 1% per 125 nodes, at least 5%). */
    int numFeasibleNodesToFind(int numAllNodes) {
        if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentageOfNodesToScore >= 100) {
            return numAllNodes;
        }
        int pct = percentageOfNodesToScore;
        if (pct == 0) {
            pct = Math.max(50 - numAllNodes / 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
        }
        int n = (int) ((long) numAllNodes * pct / 100);
        return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
    }

    public ScheduleResult schedule(PodInfo pod, List<NodeInfo> nodes) {
        int all = nodes.size();
        if (all == 0) {
            return new ScheduleResult(null, new FitError(0, Map.of()), 0, 0);
        }
        for (PreFilterPlugin p : preFilters) {
            String refused = p.preFilter(pod);
            if (refused != null) {
                return new ScheduleResult(null, FitError.preFilter(all, refused), 0, 0);
            }
        }
        int want = numFeasibleNodesToFind(all);
        if (feasible.length < want) {
            feasible = new NodeInfo[want];
        }
        int found = 0;
        int processed = 0;
        Map<String, Integer> reasons = null;
        int start = nextStartNodeIndex % all;
        for (int i = 0; i < all && found < want; i++) {
            NodeInfo node = nodes.get((start + i) % all);
            processed++;
            FilterResult rejected = runFilters(pod, node);
            if (rejected == null) {
                feasible[found++] = node;
            } else {
                if (reasons == null) {
                    reasons = new HashMap<>();
                }
                for (String r : rejected.reasons()) {
                    reasons.merge(r, 1, Integer::sum);
                }
            }
        }
        nextStartNodeIndex = (start + processed) % all;
        if (found == 0) {
            return new ScheduleResult(null, new FitError(all, reasons), processed, 0);
        }
        if (found == 1) {
            String name = feasible[0].name();
            feasible[0] = null;
            return new ScheduleResult(name, null, processed, 1);
        }
        String chosen = feasible[selectHost(pod, found)].name();
        java.util.Arrays.fill(feasible, 0, found, null);
        return new ScheduleResult(chosen, null, processed, found);
    }

    private FilterResult runFilters(PodInfo pod, NodeInfo node) {
        for (int f = 0; f < filters.size(); f++) {
            FilterResult r = filters.get(f).filter(pod, node);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    /** Weighted sum of normalised scores; among the best, one at random (reservoir sampling, as Kubernetes). */
    private int selectHost(PodInfo pod, int n) {
        if (scratch.length < n) {
            scratch = new long[Math.max(n, scratch.length * 2)];
            totals = new long[scratch.length];
        }
        java.util.Arrays.fill(totals, 0, n, 0);
        for (int s = 0; s < scorers.size(); s++) {
            WeightedScorer ws = scorers.get(s);
            for (int i = 0; i < n; i++) {
                scratch[i] = ws.plugin().score(pod, feasible[i]);
            }
            ws.plugin().normalize(pod, scratch, n);
            for (int i = 0; i < n; i++) {
                totals[i] += scratch[i] * ws.weight();
            }
        }
        int best = 0;
        int ties = 1;
        for (int i = 1; i < n; i++) {
            if (totals[i] > totals[best]) {
                best = i;
                ties = 1;
            } else if (totals[i] == totals[best]) {
                ties++;
                if (random.nextInt(ties) == 0) {
                    best = i;
                }
            }
        }
        return best;
    }
}
