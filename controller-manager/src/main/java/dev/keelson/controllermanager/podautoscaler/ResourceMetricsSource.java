package dev.keelson.controllermanager.podautoscaler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.componentbase.api.Quantities;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Where the autoscaler reads pods' resource usage: metrics.k8s.io in a cluster, made-up values in tests. */
@FunctionalInterface
public interface ResourceMetricsSource {

    /** Each pod's usage of {@code resource} in milli-units (summed over its containers), by pod name. */
    Map<String, ReplicaCalculator.PodMetric> podMetrics(String namespace, String selector, String resource)
            throws ReplicaCalculator.CalculationException;

    /** The resource metrics API (metrics.k8s.io/v1beta1 PodMetrics), as Kubernetes' resource metrics client reads it. */
    static ResourceMetricsSource metricsApi(KubernetesClient client) {
        ObjectMapper json = new ObjectMapper();
        return (namespace, selector, resource) -> {
            String master = client.getConfiguration().getMasterUrl().replaceAll("/$", "");
            String url = master + "/apis/metrics.k8s.io/v1beta1/namespaces/" + namespace + "/pods"
                    + (selector.isEmpty() ? "" : "?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8));
            String body;
            try {
                body = client.raw(url);
            } catch (KubernetesClientException e) {
                throw new ReplicaCalculator.CalculationException("unable to get metrics for resource " + resource
                        + ": unable to fetch metrics from resource metrics API: " + e.getMessage());
            }
            JsonNode items;
            try {
                items = body == null ? null : json.readTree(body).path("items");
            } catch (java.io.IOException e) {
                items = null;
            }
            if (items == null || items.isEmpty()) {
                throw new ReplicaCalculator.CalculationException("unable to get metrics for resource " + resource
                        + ": no metrics returned from resource metrics API");
            }
            Map<String, ReplicaCalculator.PodMetric> out = new HashMap<>();
            for (JsonNode item : items) {
                long sum = 0;
                boolean missing = false;
                for (JsonNode c : item.path("containers")) {
                    JsonNode usage = c.path("usage").path(resource);
                    if (!usage.isTextual()) {
                        missing = true;
                        break;
                    }
                    BigDecimal v = Quantities.tryParse(usage.asText()).map(Quantities.Quantity::value).orElse(null);
                    if (v == null) {
                        missing = true;
                        break;
                    }
                    sum += v.movePointRight(3).setScale(0, java.math.RoundingMode.CEILING).longValue();
                }
                if (missing) {
                    continue;
                }
                Instant timestamp;
                try {
                    timestamp = Instant.parse(item.path("timestamp").asText());
                } catch (RuntimeException e) {
                    timestamp = Instant.now();
                }
                Duration window = parseWindow(item.path("window").asText("0s"));
                out.put(item.path("metadata").path("name").asText(), new ReplicaCalculator.PodMetric(sum, timestamp, window));
            }
            return out;
        };
    }

    /** A Go duration of seconds and minutes as the metrics API writes its window ("15.023s", "1m0s"). */
    static Duration parseWindow(String text) {
        try {
            double seconds = 0;
            String rest = text;
            int m = rest.indexOf('m');
            if (m > 0 && (m + 1 >= rest.length() || rest.charAt(m + 1) != 's')) {
                seconds += Double.parseDouble(rest.substring(0, m)) * 60;
                rest = rest.substring(m + 1);
            }
            if (rest.endsWith("ms")) {
                seconds += Double.parseDouble(rest.substring(0, rest.length() - 2)) / 1000;
            } else if (rest.endsWith("s")) {
                seconds += Double.parseDouble(rest.substring(0, rest.length() - 1));
            }
            return Duration.ofMillis((long) (seconds * 1000));
        } catch (NumberFormatException e) {
            return Duration.ZERO;
        }
    }
}
