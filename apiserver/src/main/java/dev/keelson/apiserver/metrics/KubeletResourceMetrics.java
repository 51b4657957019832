package dev.keelson.apiserver.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One scrape of a kubelet's {@code /metrics/resource} (Prometheus text), reduced to what the metrics API needs: the
 * node's and each container's cumulative CPU seconds and working set, with the sample times the kubelet gave.
 * Lines of other metrics, comments and malformed lines are skipped; a container needs both its CPU and memory samples.
 */
public record KubeletResourceMetrics(Point node, List<ContainerPoint> containers) {

    /** A reading: cumulative CPU core-seconds and working-set bytes at {@code timeMillis}. */
    public record Point(double cpuSeconds, long memoryBytes, long timeMillis) {}

    public record ContainerPoint(String namespace, String pod, String container, Point point, double startTime) {}

    /** At most this many samples are read from one scrape (a kubelet has at most a few hundred pods). */
    static final int MAX_SAMPLES = 200_000;

    public static KubeletResourceMetrics parse(String text) {
        Double nodeCpu = null;
        Long nodeMem = null;
        long nodeTime = 0;
        Map<String, double[]> cpu = new HashMap<>();
        Map<String, long[]> mem = new HashMap<>();
        Map<String, Double> start = new HashMap<>();
        Map<String, String[]> ids = new HashMap<>();
        int samples = 0;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            if (++samples > MAX_SAMPLES) {
                break;
            }
            Sample s = Sample.parse(line);
            if (s == null) {
                continue;
            }
            switch (s.name) {
                case "node_cpu_usage_seconds_total" -> {
                    nodeCpu = s.value;
                    nodeTime = Math.max(nodeTime, s.time);
                }
                case "node_memory_working_set_bytes" -> {
                    nodeMem = (long) s.value;
                    nodeTime = Math.max(nodeTime, s.time);
                }
                case "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "container_start_time_seconds" -> {
                    String ns = s.labels.get("namespace");
                    String pod = s.labels.get("pod");
                    String c = s.labels.get("container");
                    if (ns == null || pod == null || c == null) {
                        continue;
                    }
                    String key = ns + "/" + pod + "/" + c;
                    ids.put(key, new String[] {ns, pod, c});
                    if (s.name.startsWith("container_cpu")) {
                        cpu.put(key, new double[] {s.value, s.time});
                    } else if (s.name.startsWith("container_memory")) {
                        mem.put(key, new long[] {(long) s.value, s.time});
                    } else {
                        start.put(key, s.value);
                    }
                }
                default -> { }
            }
        }
        List<ContainerPoint> containers = new ArrayList<>();
        for (Map.Entry<String, double[]> e : cpu.entrySet()) {
            long[] m = mem.get(e.getKey());
            if (m == null) {
                continue;
            }
            String[] id = ids.get(e.getKey());
            containers.add(new ContainerPoint(id[0], id[1], id[2],
                    new Point(e.getValue()[0], m[0], Math.max((long) e.getValue()[1], m[1])),
                    start.getOrDefault(e.getKey(), 0.0)));
        }
        Point node = nodeCpu != null && nodeMem != null ? new Point(nodeCpu, nodeMem, nodeTime) : null;
        return new KubeletResourceMetrics(node, containers);
    }

    /** One text-format sample line: name, labels, value and the optional millisecond timestamp. */
    private record Sample(String name, Map<String, String> labels, double value, long time) {
        static Sample parse(String line) {
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            if (space < 0) {
                return null;
            }
            String name;
            Map<String, String> labels = new HashMap<>();
            int rest;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (i < line.length() && line.charAt(i) != '}') {
                    int eq = line.indexOf("=\"", i);
                    if (eq < 0) {
                        return null;
                    }
                    String key = line.substring(i, eq).trim();
                    StringBuilder value = new StringBuilder();
                    int j = eq + 2;
                    for (; j < line.length() && line.charAt(j) != '"'; j++) {
                        char ch = line.charAt(j);
                        if (ch == '\\' && j + 1 < line.length()) {
                            char next = line.charAt(++j);
                            value.append(next == 'n' ? '\n' : next);
                        } else {
                            value.append(ch);
                        }
                    }
                    if (j >= line.length()) {
                        return null;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (i < line.length() && line.charAt(i) == ',') {
                        i++;
                    }
                }
                if (i >= line.length()) {
                    return null;
                }
                rest = i + 1;
            } else {
                name = line.substring(0, space);
                rest = space;
            }
            String[] f = line.substring(rest).trim().split("\\s+");
            try {
                double value = Double.parseDouble(f[0]);
                long time = f.length > 1 ? Long.parseLong(f[1]) : System.currentTimeMillis();
                if (!Double.isFinite(value) || value < 0) {
                    return null;
                }
                return new Sample(name, labels, value, time);
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                return null;
            }
        }
    }
}
