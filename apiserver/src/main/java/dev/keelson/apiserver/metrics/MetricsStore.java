package dev.keelson.apiserver.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last two scrapes of every node, as metrics-server keeps them: a usage is the CPU rate between the two
 * (cumulative seconds over the time between their samples) and the newer working set. A node whose kubelet did not
 * answer the last scrape is forgotten, so it has no metrics until two scrapes succeed again; a container whose start
 * time changed (restarted) or whose counter went back has no rate until its next scrape.
 */
public final class MetricsStore {
    public record Usage(long cpuNanoCores, long memoryBytes, long timeMillis, long windowMillis) {}

    public record ContainerUsage(String name, Usage usage) {}

    private record Scrapes(KubeletResourceMetrics previous, KubeletResourceMetrics latest) {}

    private final Map<String, Scrapes> nodes = new ConcurrentHashMap<>();

    /** Records a node's successful scrape. */
    public void put(String node, KubeletResourceMetrics scrape) {
        nodes.compute(node, (k, before) -> new Scrapes(before == null ? null : before.latest(), scrape));
    }

    /** Forgets a node (its kubelet did not answer, or it is gone). */
    public void forget(String node) {
        nodes.remove(node);
    }

    public void retainNodes(java.util.Set<String> names) {
        nodes.keySet().retainAll(names);
    }

    /** The node's usage, or null without two scrapes. */
    public Usage node(String name) {
        Scrapes s = nodes.get(name);
        if (s == null || s.previous() == null || s.previous().node() == null || s.latest().node() == null) {
            return null;
        }
        return usage(s.previous().node(), s.latest().node());
    }

    /**
     * The usage of a pod's containers on {@code node}, by container name; null when any of them has no rate yet
     * (metrics-server serves a pod only with all its containers' metrics).
     */
    public Map<String, Usage> pod(String node, String namespace, String pod) {
        Scrapes s = nodes.get(node);
        if (s == null || s.previous() == null) {
            return null;
        }
        Map<String, KubeletResourceMetrics.ContainerPoint> before = index(s.previous().containers(), namespace, pod);
        Map<String, KubeletResourceMetrics.ContainerPoint> now = index(s.latest().containers(), namespace, pod);
        if (now.isEmpty()) {
            return null;
        }
        Map<String, Usage> out = new HashMap<>();
        for (Map.Entry<String, KubeletResourceMetrics.ContainerPoint> e : now.entrySet()) {
            KubeletResourceMetrics.ContainerPoint b = before.get(e.getKey());
            if (b == null || b.startTime() != e.getValue().startTime()) {
                return null;
            }
            Usage u = usage(b.point(), e.getValue().point());
            if (u == null) {
                return null;
            }
            out.put(e.getKey(), u);
        }
        return out;
    }

    private static Map<String, KubeletResourceMetrics.ContainerPoint> index(
            List<KubeletResourceMetrics.ContainerPoint> all, String namespace, String pod) {
        Map<String, KubeletResourceMetrics.ContainerPoint> out = new HashMap<>();
        for (KubeletResourceMetrics.ContainerPoint c : all) {
            if (c.namespace().equals(namespace) && c.pod().equals(pod)) {
                out.put(c.container(), c);
            }
        }
        return out;
    }

    static Usage usage(KubeletResourceMetrics.Point before, KubeletResourceMetrics.Point now) {
        long window = now.timeMillis() - before.timeMillis();
        if (window <= 0 || now.cpuSeconds() < before.cpuSeconds()) {
            return null;
        }
        long nanoCores = Math.round((now.cpuSeconds() - before.cpuSeconds()) * 1e9 / (window / 1000.0));
        return new Usage(nanoCores, now.memoryBytes(), now.timeMillis(), window);
    }
}
