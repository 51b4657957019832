package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.componentbase.api.Quantities;
import dev.keelson.componentbase.api.Quantities.Quantity;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' LimitRanger for pods: a new pod's containers get the {@code default} limits and {@code defaultRequest}
 * requests of the namespace's LimitRanges (noted in the {@code kubernetes.io/limit-ranger} annotation), then every
 * Container and Pod item's min, max and maxLimitRequestRatio is checked, refusing with Kubernetes' messages
 * ({@code pods "x" is forbidden: maximum cpu usage per Container is 800m, but limit is 1500m}).
 */
final class LimitRanger implements AdmissionPlugin {
    static final String NAME = "LimitRanger";
    private static final long MAX_MILLI_VALUE = Long.MAX_VALUE / 1000;

    private final PluginContext context;

    LimitRanger(PluginContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean mutating() {
        return true;
    }

    @Override
    public boolean validating() {
        return true;
    }

    /** The namespace's LimitRanges from the watch cache, or none when the kind is not served. */
    private List<ObjectNode> limitRanges(AdmissionRequest r) {
        if (r.operation() != Operation.CREATE || !r.isResource("", "pods") || !r.subresource().isEmpty()) {
            return List.of();
        }
        ResourceType type = context.type("", "limitranges");
        if (type == null) {
            return List.of();
        }
        GenericStore store = context.stores().get(type);
        return store == null ? List.of() : store.cache().snapshot(type.prefix(r.namespace())).objects();
    }

    @Override
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        List<ObjectNode> ranges = limitRanges(r);
        if (ranges.isEmpty()) {
            return DONE;
        }
        Map<String, String> defaultLimits = new TreeMap<>();
        Map<String, String> defaultRequests = new TreeMap<>();
        for (ObjectNode lr : ranges) {
            for (JsonNode item : lr.path("spec").path("limits")) {
                if ("Container".equals(item.path("type").asText())) {
                    effectiveDefaults(item, defaultLimits, defaultRequests);
                }
            }
        }
        if (defaultLimits.isEmpty() && defaultRequests.isEmpty()) {
            return DONE;
        }
        List<String> notes = new ArrayList<>();
        for (JsonNode c : r.object().path("spec").path("containers")) {
            merge((ObjectNode) c, "container", defaultLimits, defaultRequests, notes);
        }
        for (JsonNode c : r.object().path("spec").path("initContainers")) {
            merge((ObjectNode) c, "init container", defaultLimits, defaultRequests, notes);
        }
        if (!notes.isEmpty()) {
            r.object().with("metadata").with("annotations").put("kubernetes.io/limit-ranger",
                    "LimitRanger plugin set: " + String.join("; ", notes));
        }
        return DONE;
    }

    /**
     * A Container item's defaults as the LimitRange's API defaulting completes them: the default limit falls back to
     * max, the default request to the default limit, then to min.
     */
    private static void effectiveDefaults(JsonNode item, Map<String, String> limits, Map<String, String> requests) {
        Map<String, String> itemLimits = new TreeMap<>();
        Map<String, String> itemRequests = new TreeMap<>();
        item.path("default").fields().forEachRemaining(e -> itemLimits.put(e.getKey(), e.getValue().asText()));
        item.path("defaultRequest").fields().forEachRemaining(e -> itemRequests.put(e.getKey(), e.getValue().asText()));
        item.path("max").fields().forEachRemaining(e -> itemLimits.putIfAbsent(e.getKey(), e.getValue().asText()));
        itemLimits.forEach(itemRequests::putIfAbsent);
        item.path("min").fields().forEachRemaining(e -> itemRequests.putIfAbsent(e.getKey(), e.getValue().asText()));
        limits.putAll(itemLimits);
        requests.putAll(itemRequests);
    }

    /** Kubernetes' mergeContainerResources: defaults fill what the container did not set, noted for the annotation. */
    private static void merge(ObjectNode container, String kind, Map<String, String> limits,
                              Map<String, String> requests, List<String> notes) {
        ObjectNode resources = container.with("resources");
        ObjectNode containerLimits = resources.with("limits");
        ObjectNode containerRequests = resources.with("requests");
        List<String> setLimits = new ArrayList<>();
        List<String> setRequests = new ArrayList<>();
        limits.forEach((k, v) -> {
            if (!containerLimits.has(k)) {
                containerLimits.put(k, v);
                setLimits.add(k);
            }
        });
        requests.forEach((k, v) -> {
            if (!containerRequests.has(k)) {
                containerRequests.put(k, v);
                setRequests.add(k);
            }
        });
        if (containerLimits.isEmpty()) {
            resources.remove("limits");
        }
        if (containerRequests.isEmpty()) {
            resources.remove("requests");
        }
        String name = container.path("name").asText();
        if (!setRequests.isEmpty()) {
            notes.add(String.join(", ", setRequests) + " request for " + kind + " " + name);
        }
        if (!setLimits.isEmpty()) {
            notes.add(String.join(", ", setLimits) + " limit for " + kind + " " + name);
        }
    }

    @Override
    public CompletableFuture<Void> validate(AdmissionRequest r) {
        List<ObjectNode> ranges = limitRanges(r);
        if (ranges.isEmpty()) {
            return DONE;
        }
        List<String> errors = new ArrayList<>();
        JsonNode spec = r.object().path("spec");
        for (ObjectNode lr : ranges) {
            for (JsonNode item : lr.path("spec").path("limits")) {
                String type = item.path("type").asText();
                if ("Container".equals(type)) {
                    for (String list : new String[] {"containers", "initContainers"}) {
                        for (JsonNode c : spec.path(list)) {
                            check(item, "Container", quantities(c.path("resources").path("requests")),
                                    quantities(c.path("resources").path("limits")), errors);
                        }
                    }
                } else if ("Pod".equals(type)) {
                    check(item, "Pod", podTotal(spec, "requests"), podTotal(spec, "limits"), errors);
                }
            }
        }
        if (errors.isEmpty()) {
            return DONE;
        }
        throw r.forbidden(errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]");
    }

    private static void check(JsonNode item, String limitType, Map<String, Quantity> requests,
                              Map<String, Quantity> limits, List<String> errors) {
        forEach(item.path("min"), (resource, min) -> {
            Quantity req = requests.get(resource);
            Quantity lim = limits.get(resource);
            long[] v = values(req, lim, min);
            if (req == null) {
                errors.add("minimum " + resource + " usage per " + limitType + " is " + min + ".  No request is "
                        + "specified");
            } else if (v[0] < v[2]) {
                errors.add("minimum " + resource + " usage per " + limitType + " is " + min + ", but request is "
                        + req);
            } else if (lim != null && v[1] < v[2]) {
                errors.add("minimum " + resource + " usage per " + limitType + " is " + min + ", but limit is " + lim);
            }
        });
        forEach(item.path("max"), (resource, max) -> {
            Quantity req = requests.get(resource);
            Quantity lim = limits.get(resource);
            long[] v = values(req, lim, max);
            if (lim == null) {
                errors.add("maximum " + resource + " usage per " + limitType + " is " + max + ".  No limit is "
                        + "specified");
            } else if (v[1] > v[2]) {
                errors.add("maximum " + resource + " usage per " + limitType + " is " + max + ", but limit is " + lim);
            } else if (req != null && v[0] > v[2]) {
                errors.add("maximum " + resource + " usage per " + limitType + " is " + max + ", but request is "
                        + req);
            }
        });
        forEach(item.path("maxLimitRequestRatio"), (resource, ratio) -> {
            Quantity req = requests.get(resource);
            Quantity lim = limits.get(resource);
            long[] v = values(req, lim, ratio);
            if (req == null || v[0] == 0) {
                errors.add(resource + " max limit to request ratio per " + limitType + " is " + ratio + ", but no "
                        + "request is specified or request is 0");
                return;
            }
            if (lim == null || v[1] == 0) {
                errors.add(resource + " max limit to request ratio per " + limitType + " is " + ratio + ", but no "
                        + "limit is specified or limit is 0");
                return;
            }
            double observed = (double) v[1] / v[0];
            double display = observed;
            double max = ratio.longValue();
            if (ratio.longValue() <= MAX_MILLI_VALUE) {
                observed *= 1000;
                max = ratio.milliValue();
            }
            if (observed > max) {
                errors.add(resource + " max limit to request ratio per " + limitType + " is " + ratio
                        + ", but provided ratio is " + String.format("%f", display));
            }
        });
    }

    /** Request, limit and enforced value in milli-units when none overflows, else in units (as Kubernetes). */
    private static long[] values(Quantity req, Quantity lim, Quantity enforced) {
        long r = req == null ? 0 : req.longValue();
        long l = lim == null ? 0 : lim.longValue();
        long e = enforced.longValue();
        if (r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE) {
            return new long[] {req == null ? 0 : req.milliValue(), lim == null ? 0 : lim.milliValue(),
                    enforced.milliValue()};
        }
        return new long[] {r, l, e};
    }

    private interface QuantityConsumer {
        void accept(String resource, Quantity q);
    }

    private static void forEach(JsonNode map, QuantityConsumer consumer) {
        Iterator<Map.Entry<String, JsonNode>> it = map.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Quantities.tryParse(e.getValue().asText()).ifPresent(q -> consumer.accept(e.getKey(), q));
        }
    }

    static Map<String, Quantity> quantities(JsonNode map) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        forEach(map, out::put);
        return out;
    }

    /** A pod's total: the sum over its containers, at least the largest init container (Kubernetes' podRequests). */
    static Map<String, Quantity> podTotal(JsonNode spec, String field) {
        Map<String, Quantity> sum = new LinkedHashMap<>();
        for (JsonNode c : spec.path("containers")) {
            quantities(c.path("resources").path(field)).forEach((k, q) -> sum.merge(k, q,
                    (a, b) -> new Quantity(a.value().add(b.value()), a.format())));
        }
        for (JsonNode c : spec.path("initContainers")) {
            quantities(c.path("resources").path(field)).forEach((k, q) -> {
                Quantity cur = sum.get(k);
                if (cur == null || q.value().compareTo(cur.value()) > 0) {
                    sum.put(k, q);
                }
            });
        }
        quantities(spec.path("overhead")).forEach((k, q) -> sum.merge(k, q,
                (a, b) -> new Quantity(a.value().add(b.value()), a.format())));
        return sum;
    }
}
