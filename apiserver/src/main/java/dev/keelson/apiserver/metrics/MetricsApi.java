package dev.keelson.apiserver.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.selection.FieldSelector;
import dev.keelson.componentbase.api.LabelSelector;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The metrics.k8s.io/v1beta1 API as metrics-server serves it: NodeMetrics (cluster-scoped) and PodMetrics
 * (namespaced), get and list with label selectors, made from the {@link MetricsStore}'s last scrapes joined with the
 * Node and Pod objects (their labels, and only objects that exist). Read-only; not kept in etcd.
 */
public final class MetricsApi {
    public static final String GROUP = "metrics.k8s.io";
    public static final String VERSION = "v1beta1";
    public static final String GROUP_VERSION = GROUP + "/" + VERSION;

    private final MetricsStore store;
    private final GenericStore nodes;
    private final GenericStore pods;

    public MetricsApi(MetricsStore store, GenericStore nodes, GenericStore pods) {
        this.store = store;
        this.nodes = nodes;
        this.pods = pods;
    }

    /**
     * Answers a GET of {@code /apis/metrics.k8s.io/...}; {@code seg} is the path split at slashes without the
     * leading "apis".
     */
    public CompletableFuture<JsonNode> get(String[] seg, String labelSelector, String fieldSelector) {
        if (seg.length == 2) {
            return CompletableFuture.completedFuture(apiGroup().put("kind", "APIGroup").put("apiVersion", "v1"));
        }
        if (!VERSION.equals(seg[2])) {
            throw notFound();
        }
        if (seg.length == 3) {
            return CompletableFuture.completedFuture(resourceList());
        }
        LabelSelector labels = LabelSelector.parse(labelSelector);
        FieldSelector fields = FieldSelector.parse(fieldSelector);
        Options.List opts = new Options.List(labels, fields, 0, null, null, null);
        if (seg.length == 4 && "nodes".equals(seg[3])) {
            return nodes.list(null, opts).thenApply(page -> list("NodeMetricsList", page.items().stream()
                    .map(this::nodeMetrics).filter(java.util.Objects::nonNull).toList()));
        }
        if (seg.length == 5 && "nodes".equals(seg[3])) {
            String name = seg[4];
            return nodes.get(null, name).handle((node, err) -> {
                ObjectNode m = err == null ? nodeMetrics(node) : null;
                if (m == null) {
                    throw ApiException.notFound(GROUP, "nodemetrics", name);
                }
                return m;
            });
        }
        if (seg.length == 4 && "pods".equals(seg[3])) {
            return podList(null, opts);
        }
        if (seg.length >= 6 && "namespaces".equals(seg[3]) && "pods".equals(seg[5])) {
            String ns = seg[4];
            if (seg.length == 6) {
                return podList(ns, opts);
            }
            if (seg.length == 7) {
                String name = seg[6];
                return pods.get(ns, name).handle((pod, err) -> {
                    ObjectNode m = err == null ? podMetrics(pod) : null;
                    if (m == null) {
                        throw ApiException.notFound(GROUP, "podmetrics", ns + "/" + name);
                    }
                    return m;
                });
            }
        }
        throw notFound();
    }

    private CompletableFuture<JsonNode> podList(String namespace, Options.List opts) {
        return pods.list(namespace, opts).thenApply(page -> list("PodMetricsList", page.items().stream()
                .sorted(Comparator.comparing((ObjectNode p) -> p.path("metadata").path("namespace").asText())
                        .thenComparing(p -> p.path("metadata").path("name").asText()))
                .map(this::podMetrics).filter(java.util.Objects::nonNull).toList()));
    }

    private static ApiException notFound() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource", null);
    }

    private ObjectNode nodeMetrics(ObjectNode node) {
        String name = node.path("metadata").path("name").asText();
        MetricsStore.Usage u = store.node(name);
        if (u == null) {
            return null;
        }
        ObjectNode m = object("NodeMetrics", node, false);
        window(m, u.timeMillis(), u.windowMillis());
        usage(m.putObject("usage"), u);
        return m;
    }

    private ObjectNode podMetrics(ObjectNode pod) {
        String node = pod.path("spec").path("nodeName").asText("");
        if (node.isEmpty() || !"Running".equals(pod.path("status").path("phase").asText())) {
            return null;
        }
        String ns = pod.path("metadata").path("namespace").asText();
        String name = pod.path("metadata").path("name").asText();
        Map<String, MetricsStore.Usage> containers = store.pod(node, ns, name);
        if (containers == null) {
            return null;
        }
        ObjectNode m = object("PodMetrics", pod, true);
        long time = Long.MAX_VALUE;
        long window = 0;
        List<String> order = new ArrayList<>();
        pod.path("spec").path("containers").forEach(c -> order.add(c.path("name").asText()));
        containers.keySet().stream().filter(c -> !order.contains(c)).sorted().forEach(order::add);
        for (MetricsStore.Usage u : containers.values()) {
            time = Math.min(time, u.timeMillis());
            window = Math.max(window, u.windowMillis());
        }
        window(m, time, window);
        ArrayNode array = m.putArray("containers");
        for (String c : order) {
            MetricsStore.Usage u = containers.get(c);
            if (u != null) {
                ObjectNode entry = array.addObject();
                entry.put("name", c);
                usage(entry.putObject("usage"), u);
            }
        }
        return m;
    }

    private static ObjectNode object(String kind, ObjectNode source, boolean namespaced) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("kind", kind);
        m.put("apiVersion", GROUP_VERSION);
        ObjectNode meta = m.putObject("metadata");
        meta.put("name", source.path("metadata").path("name").asText());
        if (namespaced) {
            meta.put("namespace", source.path("metadata").path("namespace").asText());
        }
        meta.put("creationTimestamp", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        JsonNode labels = source.path("metadata").path("labels");
        if (labels.isObject() && !labels.isEmpty()) {
            meta.set("labels", labels.deepCopy());
        }
        return m;
    }

    private static void window(ObjectNode m, long timeMillis, long windowMillis) {
        m.put("timestamp", Instant.ofEpochMilli(timeMillis).truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("window", goDuration(windowMillis));
    }

    private static void usage(ObjectNode usage, MetricsStore.Usage u) {
        usage.put("cpu", Quantities.nanoCores(u.cpuNanoCores()));
        usage.put("memory", Quantities.bytes(u.memoryBytes()));
    }

    /** A duration as Go's time.Duration.String() writes one of whole milliseconds ("15.023s", "1m0.5s"). */
    static String goDuration(long millis) {
        if (millis == 0) {
            return "0s";
        }
        long minutes = millis / 60_000;
        long rest = millis % 60_000;
        String seconds = java.math.BigDecimal.valueOf(rest, 3).stripTrailingZeros().toPlainString() + "s";
        return minutes > 0 ? (minutes >= 60 ? minutes / 60 + "h" + minutes % 60 + "m" : minutes + "m") + seconds : seconds;
    }

    private static ObjectNode list(String kind, List<ObjectNode> items) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", kind);
        o.put("apiVersion", GROUP_VERSION);
        o.putObject("metadata");
        ArrayNode array = o.putArray("items");
        items.forEach(array::add);
        return o;
    }

    /** The group as /apis lists it. */
    public static ObjectNode apiGroup() {
        ObjectNode g = Json.MAPPER.createObjectNode();
        g.put("name", GROUP);
        g.putArray("versions").addObject().put("groupVersion", GROUP_VERSION).put("version", VERSION);
        g.putObject("preferredVersion").put("groupVersion", GROUP_VERSION).put("version", VERSION);
        return g;
    }

    static ObjectNode resourceList() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("kind", "APIResourceList");
        o.put("apiVersion", "v1");
        o.put("groupVersion", GROUP_VERSION);
        ArrayNode resources = o.putArray("resources");
        for (String[] r : new String[][] {{"nodes", "NodeMetrics", "false"}, {"pods", "PodMetrics", "true"}}) {
            ObjectNode res = resources.addObject();
            res.put("name", r[0]);
            res.put("singularName", "");
            res.put("namespaced", Boolean.parseBoolean(r[2]));
            res.put("kind", r[1]);
            res.putArray("verbs").add("get").add("list");
        }
        return o;
    }

    /** The group as aggregated discovery (apidiscovery.k8s.io/v2) lists it. */
    public static ObjectNode aggregatedItem() {
        ObjectNode item = Json.MAPPER.createObjectNode();
        item.putObject("metadata").put("name", GROUP);
        ObjectNode version = item.putArray("versions").addObject();
        version.put("version", VERSION);
        ArrayNode resources = version.putArray("resources");
        for (String[] r : new String[][] {{"nodes", "NodeMetrics", "Cluster"}, {"pods", "PodMetrics", "Namespaced"}}) {
            ObjectNode res = resources.addObject();
            res.put("resource", r[0]);
            res.putObject("responseKind").put("group", "").put("version", "").put("kind", r[1]);
            res.put("scope", r[2]);
            res.putArray("verbs").add("get").add("list");
        }
        version.put("freshness", "Current");
        return item;
    }
}
