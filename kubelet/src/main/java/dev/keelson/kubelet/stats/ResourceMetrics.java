package dev.keelson.kubelet.stats;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Renders a {@link Summary} as the kubelet's {@code /metrics/resource}: the stable resource metrics of Kubernetes'
 * resource_metrics.go in Prometheus text format 0.0.4, each sample with its millisecond timestamp, numbers written as
 * Go's Prometheus client writes them (shortest form, exponent from 1e6 on), so scrapers that read Kubernetes read this.
 */
public final class ResourceMetrics {
    private ResourceMetrics() {}

    public static String render(Summary s) {
        StringBuilder out = new StringBuilder(4096);
        header(out, "container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", "counter");
        for (Summary.PodStats p : s.pods()) {
            for (Summary.ContainerStats c : p.containers()) {
                sample(out, "container_cpu_usage_seconds_total", containerLabels(p, c),
                        c.cpu().usageCoreNanoSeconds() / 1e9, c.cpu().time());
            }
        }
        header(out, "container_memory_working_set_bytes", "Current working set of the container in bytes", "gauge");
        for (Summary.PodStats p : s.pods()) {
            for (Summary.ContainerStats c : p.containers()) {
                sample(out, "container_memory_working_set_bytes", containerLabels(p, c), c.memory().workingSetBytes(),
                        c.memory().time());
            }
        }
        header(out, "container_start_time_seconds", "Start time of the container since unix epoch in seconds", "gauge");
        for (Summary.PodStats p : s.pods()) {
            for (Summary.ContainerStats c : p.containers()) {
                if (c.startTime() != null) {
                    sample(out, "container_start_time_seconds", containerLabels(p, c),
                            c.startTime().toEpochMilli() / 1000.0, c.startTime());
                }
            }
        }
        Summary.NodeStats n = s.node();
        header(out, "node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds", "counter");
        sample(out, "node_cpu_usage_seconds_total", "", n.cpu().usageCoreNanoSeconds() / 1e9, n.cpu().time());
        header(out, "node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge");
        sample(out, "node_memory_working_set_bytes", "", n.memory().workingSetBytes(), n.memory().time());
        header(out, "pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds", "counter");
        for (Summary.PodStats p : s.pods()) {
            sample(out, "pod_cpu_usage_seconds_total", podLabels(p), p.cpu().usageCoreNanoSeconds() / 1e9, p.cpu().time());
        }
        header(out, "pod_memory_working_set_bytes", "Current working set of the pod in bytes", "gauge");
        for (Summary.PodStats p : s.pods()) {
            sample(out, "pod_memory_working_set_bytes", podLabels(p), p.memory().workingSetBytes(), p.memory().time());
        }
        header(out, "resource_scrape_error", "1 if there was an error while getting container metrics, 0 otherwise", "gauge");
        out.append("resource_scrape_error ").append(s.scrapeError() ? "1" : "0").append('\n');
        return out.toString();
    }

    private static String containerLabels(Summary.PodStats p, Summary.ContainerStats c) {
        return "{container=\"" + escape(c.name()) + "\",namespace=\"" + escape(p.namespace()) + "\",pod=\""
                + escape(p.name()) + "\"}";
    }

    private static String podLabels(Summary.PodStats p) {
        return "{namespace=\"" + escape(p.namespace()) + "\",pod=\"" + escape(p.name()) + "\"}";
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(" [STABLE] ").append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, String labels, double value, Instant time) {
        out.append(name).append(labels).append(' ').append(goFloat(value));
        if (time != null) {
            out.append(' ').append(time.toEpochMilli());
        }
        out.append('\n');
    }

    /** Label values escaped as the text format wants (backslash, quote, newline). */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Go's strconv.FormatFloat(v, 'g', -1, 64): shortest digits, %e when the exponent is below -4 or 6 and over. */
    static String goFloat(double v) {
        if (v == 0) {
            return "0";
        }
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        BigDecimal d = new BigDecimal(Double.toString(Math.abs(v))).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exp = digits.length() - 1 - d.scale();
        String sign = v < 0 ? "-" : "";
        if (exp < -4 || exp >= 6) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        return sign + d.toPlainString();
    }
}
