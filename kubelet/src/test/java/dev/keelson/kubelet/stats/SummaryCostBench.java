package dev.keelson.kubelet.stats;

import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The CPU one /stats/summary or /metrics/resource scrape costs the kubelet with N pods (docs/metrics.md): N "hollow"
 * pods made of real cgroup v1 directories under {@code /sys/fs/cgroup/{cpuacct,memory}/keelson-stats-bench/} (a
 * sandbox and an app container each; the kernel's own counter files), each sandbox cgroup holding one {@code sleep}
 * process so that its /proc/PID/net/dev is read as for a real pod. The runtime's single container listing is a
 * stand-in returning the 2N records (its cost is Docker's, not the kubelet's). Not a test: run by hand as root,
 * {@code java -cp ... dev.keelson.kubelet.stats.SummaryCostBench [pods] [scrapes]}; cleans up what it made.
 */
public final class SummaryCostBench {
    private SummaryCostBench() {}

    public static void main(String[] args) throws Exception {
        int pods = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int scrapes = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        Path root = Path.of("/sys/fs/cgroup");
        Path cpuBase = root.resolve("cpuacct/keelson-stats-bench");
        Path memBase = root.resolve("memory/keelson-stats-bench");
        List<Process> sleepers = new ArrayList<>();
        List<ContainerRecord> running = new ArrayList<>();
        Instant started = Instant.now();
        try {
            for (int i = 0; i < pods; i++) {
                String uid = "bench-uid-" + i;
                for (String kind : List.of(ContainerLabels.KIND_SANDBOX, ContainerLabels.KIND_APP)) {
                    String id = String.format("%064x", (long) i * 2 + (kind.equals(ContainerLabels.KIND_APP) ? 1 : 0))
                            .replace(' ', '0');
                    Files.createDirectories(cpuBase.resolve(id));
                    Files.createDirectories(memBase.resolve(id));
                    if (kind.equals(ContainerLabels.KIND_SANDBOX)) {
                        Process sleeper = new ProcessBuilder("sleep", "3600").start();
                        sleepers.add(sleeper);
                        Files.writeString(cpuBase.resolve(id).resolve("cgroup.procs"), Long.toString(sleeper.pid()));
                    }
                    String name = kind.equals(ContainerLabels.KIND_APP) ? "app" : ContainerLabels.SANDBOX_CONTAINER_NAME;
                    running.add(new ContainerRecord(id, kind, name, 0, "running", 0, false, null, started, started, null,
                            "img", "sha256:1", null, Map.of(ContainerLabels.POD_UID, uid, ContainerLabels.POD_NAME,
                            "pod-" + i, ContainerLabels.POD_NAMESPACE, "bench", ContainerLabels.CONTAINER_NAME, name,
                            ContainerLabels.KIND, kind)));
                }
            }
            ContainerRuntime runtime = (ContainerRuntime) Proxy.newProxyInstance(ContainerRuntime.class.getClassLoader(),
                    new Class<?>[] {ContainerRuntime.class}, (p, m, a) -> {
                        if (m.getName().equals("runningContainers")) {
                            return running;
                        }
                        throw new UnsupportedOperationException(m.getName());
                    });
            StatsCollector collector = new StatsCollector(runtime, new CgroupReader(root), Path.of("/proc"), "bench",
                    Path.of("/"));
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 100; i++) {
                SummaryJson.render(collector.collect()).toString();
                ResourceMetrics.render(collector.collect());
            }
            for (String kind : List.of("summary", "resource")) {
                long[] cpu = new long[scrapes];
                long bytes = 0;
                long wallStart = System.nanoTime();
                for (int i = 0; i < scrapes; i++) {
                    long c0 = threads.getCurrentThreadCpuTime();
                    Summary s = collector.collect();
                    String body = kind.equals("summary") ? SummaryJson.render(s).toPrettyString() : ResourceMetrics.render(s);
                    cpu[i] = threads.getCurrentThreadCpuTime() - c0;
                    bytes = body.length();
                    if (s.pods().size() != pods) {
                        throw new IllegalStateException("expected " + pods + " pods, got " + s.pods().size());
                    }
                }
                long wall = System.nanoTime() - wallStart;
                Arrays.sort(cpu);
                System.out.printf("%s: %d pods, %d scrapes: CPU per scrape p50 %.2f ms, p90 %.2f ms, mean %.2f ms;"
                                + " wall per scrape %.2f ms; body %d bytes%n", kind, pods, scrapes, cpu[scrapes / 2] / 1e6,
                        cpu[scrapes * 9 / 10] / 1e6, Arrays.stream(cpu).average().orElse(0) / 1e6,
                        wall / 1e6 / scrapes, bytes);
            }
        } finally {
            sleepers.forEach(Process::destroy);
            for (Process p : sleepers) {
                p.waitFor();
            }
            for (Path base : List.of(cpuBase, memBase)) {
                if (Files.isDirectory(base)) {
                    try (var dirs = Files.list(base)) {
                        for (Path d : dirs.filter(Files::isDirectory).toList()) {
                            Files.deleteIfExists(d);
                        }
                    }
                    Files.deleteIfExists(base);
                }
            }
        }
    }
}
