package dev.keelson.bench.kubelet;

import dev.keelson.kubelet.pod.PodStartTraces;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prints where pod start-up time went: the bench's create and watch times joined with the kubelet's start traces
 * (same JVM, so the nanoTime values compare), median and p99 per stage.
 */
final class StartBreakdown {
    /** The calls the floor's two docker runs make too: what is left of a start without them is the kubelet's part. */
    private static final java.util.Set<String> DOCKER_RUNS = java.util.Set.of("sandbox_create", "sandbox_start", "create",
            "start");

    private StartBreakdown() {}

    private record Stage(List<Long> nanos, List<Long> endOffsets) {
        Stage() {
            this(new ArrayList<>(), new ArrayList<>());
        }
    }

    /**
     * The watch can see Ready before the kubelet's status PATCH returns and closes the trace: waits up to 5 s for the
     * traces of all these pods.
     */
    static void print(String title, PodStartTraces source, List<String> names, Map<String, Long> createdAt,
                      Map<String, Long> readyAt) throws InterruptedException {
        Map<String, PodStartTraces.Trace> byName = new LinkedHashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            for (PodStartTraces.Trace t : source.recent()) {
                byName.put(t.name(), t);
            }
            if (byName.keySet().containsAll(names) || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(20);
        }
        Map<String, Stage> stages = new LinkedHashMap<>();
        int missing = 0;
        String slowest = null;
        long slowestNanos = -1;
        for (String name : names) {
            PodStartTraces.Trace t = byName.get(name);
            Long created = createdAt.get(name);
            Long ready = readyAt.get(name);
            if (t == null || created == null || ready == null) {
                missing++;
                continue;
            }
            if (ready - created > slowestNanos) {
                slowestNanos = ready - created;
                slowest = describe(t, created, ready);
            }
            add(stages, "create->informer", created, t.seenNanos(), created);
            long lastEnd = t.seenNanos();
            long writeEnd = t.seenNanos();
            List<long[]> intervals = new ArrayList<>();
            for (PodStartTraces.Span s : t.spans()) {
                add(stages, s.stage(), s.startNanos(), s.endNanos(), created);
                lastEnd = Math.max(lastEnd, s.endNanos());
                if (s.stage().equals("status_write")) {
                    writeEnd = s.endNanos();
                }
                intervals.add(new long[] {s.startNanos(), s.endNanos()});
            }
            long other = (lastEnd - t.seenNanos()) - union(intervals, t.seenNanos(), lastEnd);
            add(stages, "other (between stages)", 0, other, 0);
            add(stages, "status write->watch Ready", writeEnd, ready, created);
            long docker = t.spans().stream().filter(s -> DOCKER_RUNS.contains(s.stage()))
                    .mapToLong(PodStartTraces.Span::nanos).sum();
            add(stages, "total minus docker create/start", 0, (ready - created) - docker, 0);
            add(stages, "total (create->Ready)", created, ready, created);
        }
        List<Map.Entry<String, Stage>> rows = new ArrayList<>(stages.entrySet());
        rows.sort(Comparator.comparingLong(e -> e.getKey().startsWith("other") || e.getKey().startsWith("total")
                ? Long.MAX_VALUE - (e.getKey().startsWith("total (") ? 0 : 1) : median(e.getValue().endOffsets())));
        StringBuilder sb = new StringBuilder(String.format("  breakdown, %s (%d pods%s): ms median / p99,"
                + " and median end since the create request%n", title, names.size() - missing,
                missing > 0 ? ", " + missing + " without a trace" : ""));
        for (Map.Entry<String, Stage> e : rows) {
            Stage s = e.getValue();
            sb.append(String.format("    %-28s %7.1f / %7.1f", e.getKey(), median(s.nanos()) / 1e6, p99(s.nanos()) / 1e6));
            if (!e.getKey().startsWith("other") && !e.getKey().startsWith("total minus")) {
                sb.append(String.format("   ends at %7.1f", median(s.endOffsets()) / 1e6));
            }
            sb.append(String.format("%n"));
        }
        if (slowest != null) {
            sb.append("    slowest: ").append(slowest).append(String.format("%n"));
        }
        System.out.print(sb);
    }

    /** One pod's start as "name total: stage ms, ..." with its three longest stages. */
    private static String describe(PodStartTraces.Trace t, long created, long ready) {
        List<String[]> parts = new ArrayList<>();
        parts.add(new String[] {"create->informer", Long.toString(t.seenNanos() - created)});
        long writeEnd = t.seenNanos();
        for (PodStartTraces.Span s : t.spans()) {
            parts.add(new String[] {s.stage(), Long.toString(s.nanos())});
            if (s.stage().equals("status_write")) {
                writeEnd = s.endNanos();
            }
        }
        parts.add(new String[] {"write->watch", Long.toString(ready - writeEnd)});
        parts.sort(Comparator.comparingLong((String[] p) -> -Long.parseLong(p[1])));
        StringBuilder sb = new StringBuilder(String.format("%s %.0f ms:", t.name(), (ready - created) / 1e6));
        for (int i = 0; i < Math.min(3, parts.size()); i++) {
            sb.append(String.format(" %s %.0f", parts.get(i)[0], Long.parseLong(parts.get(i)[1]) / 1e6));
        }
        return sb.toString();
    }

    private static void add(Map<String, Stage> stages, String name, long start, long end, long created) {
        Stage s = stages.computeIfAbsent(name, k -> new Stage());
        s.nanos().add(end - start);
        s.endOffsets().add(end - created);
    }

    /** Length of the union of the intervals, clipped to [from, to]. */
    private static long union(List<long[]> intervals, long from, long to) {
        intervals.sort(Comparator.comparingLong(a -> a[0]));
        long total = 0;
        long curStart = Long.MIN_VALUE;
        long curEnd = Long.MIN_VALUE;
        for (long[] i : intervals) {
            long a = Math.max(i[0], from);
            long b = Math.min(i[1], to);
            if (b <= a) {
                continue;
            }
            if (a > curEnd) {
                if (curEnd > curStart) {
                    total += curEnd - curStart;
                }
                curStart = a;
                curEnd = b;
            } else {
                curEnd = Math.max(curEnd, b);
            }
        }
        if (curEnd > curStart) {
            total += curEnd - curStart;
        }
        return total;
    }

    private static long median(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.isEmpty() ? 0 : s.get(s.size() / 2);
    }

    /** The nearest-rank p99 (of 30 values: the largest), as the bench's latency percentiles. */
    private static long p99(List<Long> v) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        if (s.isEmpty()) {
            return 0;
        }
        int idx = (int) Math.ceil(0.99 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
    }
}
