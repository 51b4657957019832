package dev.keelson.bench.scheduler;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.scheduler.Scheduler;
import dev.keelson.scheduler.SchedulerOptions;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * scheduler_perf-style throughput benchmark: real etcd + apiserver (TestCluster) + Scheduler on this
 * machine; N hollow nodes created through the API, then M pods created as fast as possible. Reports
 * pods scheduled per second (first create to last bind observed), per-pod latency (create sent to bind
 * observed) and where the CPU went.
 */
public final class SchedulerBench {
    record Result(int nodes, int pods, double podsPerSecond, double createsPerSecond, double p50Ms, double p99Ms,
                  Map<String, Double> cpuSeconds) {}

    public static void main(String[] args) throws Exception {
        int nodes = 500;
        int pods = 5000;
        int runs = 3;
        int createThreads = 32;
        boolean prestart = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--create-threads" -> createThreads = Integer.parseInt(args[++i]);
                case "--prestart" -> prestart = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: --nodes N --pods M --runs R --create-threads T [--prestart]");
            }
        }
        List<Result> results = new ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            Result res = run(nodes, pods, createThreads, prestart);
            System.out.printf("run %d: %d nodes, %d pods: %.0f pods/s scheduled, %.0f pods/s created, p50 %.0f ms, p99 %.0f ms%n",
                    r, res.nodes(), res.pods(), res.podsPerSecond(), res.createsPerSecond(), res.p50Ms(), res.p99Ms());
            System.out.println("  cpu seconds by thread group: " + res.cpuSeconds());
            results.add(res);
        }
        System.out.printf("MEDIAN of %d runs: %d nodes, %d pods: %.0f pods/s scheduled, p50 %.0f ms, p99 %.0f ms (creates %.0f/s)%n",
                runs, nodes, pods, median(results, Result::podsPerSecond), median(results, Result::p50Ms),
                median(results, Result::p99Ms), median(results, Result::createsPerSecond));
        System.exit(0);
    }

    private static double median(List<Result> results, java.util.function.ToDoubleFunction<Result> f) {
        double[] v = results.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    /**
     * Without --prestart the scheduler runs while pods are created (scheduler_perf's shape). With it, all pods
     * exist before the scheduler starts, and the clock runs from scheduler start: the scheduler's own rate,
     * without the apiserver's create rate as a ceiling.
     */
    static Result run(int nodeCount, int podCount, int createThreads, boolean prestart) throws Exception {
        try (TestCluster cluster = TestCluster.start();
             KubernetesClient schedulerClient = cluster.newClient()) {
            KubernetesClient client = cluster.client();
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("bench").endMetadata().build()).create();
            ExecutorService pool = Executors.newFixedThreadPool(createThreads);
            try {
                createNodes(client, pool, nodeCount);
                Scheduler scheduler = new Scheduler(schedulerClient, SchedulerOptions.builder().leaderElect(false)
                        .bindAddress("127.0.0.1").securePort(-1).build());
                try {
                    return measure(client, pool, nodeCount, podCount, prestart ? scheduler::start : null,
                            prestart ? null : scheduler::start);
                } finally {
                    scheduler.close();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void createNodes(KubernetesClient client, ExecutorService pool, int count) throws Exception {
        Map<String, Quantity> alloc = Map.of("cpu", new Quantity("4"), "memory", new Quantity("32Gi"),
                "pods", new Quantity("110"), "ephemeral-storage", new Quantity("100Gi"));
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = "hollow-node-" + i;
            futures.add(pool.submit(() -> {
                Node node = new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
                        .endMetadata().withNewSpec().endSpec()
                        .withNewStatus().withCapacity(alloc).withAllocatable(alloc)
                        .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                        .endStatus().build();
                Node created = client.nodes().resource(node).create();
                if (created.getStatus() == null || created.getStatus().getAllocatable() == null) {
                    created.setStatus(node.getStatus());
                    client.nodes().resource(created).updateStatus();
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    private static Result measure(KubernetesClient client, ExecutorService pool, int nodes, int count,
                                  Runnable startAfterCreates, Runnable startBeforeCreates) throws Exception {
        Map<String, Long> createdAt = new ConcurrentHashMap<>();
        Map<String, Long> boundAt = new ConcurrentHashMap<>();
        Watch watch = client.pods().inNamespace("bench").watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
                    boundAt.putIfAbsent(pod.getMetadata().getName(), System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                if (cause != null) {
                    System.err.println("pod watch closed: " + cause.getMessage());
                }
            }
        });
        if (startBeforeCreates != null) {
            startBeforeCreates.run();
        }
        Map<String, Long> cpuBefore = threadCpu();
        long processCpuBefore = processCpuNanos();
        long start = System.nanoTime();
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> creators = new ArrayList<>();
        int threads = ((java.util.concurrent.ThreadPoolExecutor) pool).getMaximumPoolSize();
        for (int t = 0; t < threads; t++) {
            creators.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    String name = "pod-" + i;
                    createdAt.put(name, System.nanoTime());
                    client.pods().inNamespace("bench").resource(pod(name)).create();
                }
                return null;
            }));
        }
        for (Future<?> f : creators) {
            f.get();
        }
        long createsDone = System.nanoTime();
        if (startAfterCreates != null) {
            long schedulerStart = System.nanoTime();
            start = schedulerStart;
            createdAt.replaceAll((k, v) -> schedulerStart);
            cpuBefore = threadCpu();
            processCpuBefore = processCpuNanos();
            startAfterCreates.run();
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (boundAt.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        watch.close();
        if (boundAt.size() < count) {
            throw new IllegalStateException("only " + boundAt.size() + " of " + count + " pods bound within 10 minutes");
        }
        long lastBound = boundAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        double[] latencies = new double[count];
        int k = 0;
        for (Map.Entry<String, Long> e : boundAt.entrySet()) {
            latencies[k++] = (e.getValue() - createdAt.get(e.getKey())) / 1e6;
        }
        Arrays.sort(latencies);
        Map<String, Double> cpu = cpuDelta(cpuBefore, threadCpu());
        cpu.put("etcd+children", (processCpuNanos() - processCpuBefore) / 1e9);
        double createRate = startAfterCreates != null ? Double.NaN : count / ((createsDone - start) / 1e9);
        return new Result(nodes, count, count / ((lastBound - start) / 1e9), createRate,
                latencies[count / 2], latencies[(int) Math.min(count - 1, Math.ceil(count * 0.99) - 1)], cpu);
    }

    private static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("bench").endMetadata()
                .withNewSpec().withSchedulerName("default-scheduler").withContainers(new ContainerBuilder().withName("pause")
                        .withImage("registry.k8s.io/pause:3.10").withNewResources()
                        .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("500Mi"))
                        .endResources().build()).endSpec().build();
    }

    /** CPU time of this JVM's threads grouped by name (apiserver event loops, scheduler loop, HTTP clients...). */
    private static Map<String, Long> threadCpu() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> byGroup = new HashMap<>();
        for (var info : mx.dumpAllThreads(false, false)) {
            long t = mx.getThreadCpuTime(info.getThreadId());
            if (t > 0) {
                byGroup.merge(group(info.getThreadName()) + "#" + info.getThreadId(), t, Long::sum);
            }
        }
        return byGroup;
    }

    private static Map<String, Double> cpuDelta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Double> groups = new java.util.TreeMap<>();
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            groups.merge(k.substring(0, k.lastIndexOf('#')), d / 1e9, Double::sum);
        });
        groups.replaceAll((k, v) -> Math.round(v * 100) / 100.0);
        return groups;
    }

    private static String group(String thread) {
        if (thread.startsWith("vert.x-eventloop")) {
            return "vertx-eventloop(apiserver)";
        }
        if (thread.startsWith("vert.x-worker") || thread.startsWith("vert.x-internal")) {
            return "vertx-worker";
        }
        if (thread.startsWith("scheduler-")) {
            return thread;
        }
        if (thread.startsWith("HttpClient-")) {
            return "jdk-httpclient";
        }
        if (thread.startsWith("pool-")) {
            return "bench-creators";
        }
        if (thread.startsWith("grpc") || thread.contains("etcd") || thread.startsWith("jetcd")) {
            return "jetcd/grpc";
        }
        if (thread.contains("GC") || thread.startsWith("C1") || thread.startsWith("C2")) {
            return "jvm-gc/jit";
        }
        return thread.replaceAll("[-#]?\\d+$", "");
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().descendants().mapToLong(p -> p.info().totalCpuDuration()
                .map(Duration::toNanos).orElse(0L)).sum();
    }
}
