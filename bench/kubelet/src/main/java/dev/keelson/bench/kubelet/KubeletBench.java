package dev.keelson.bench.kubelet;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.kubelet.Kubelet;
import dev.keelson.kubelet.KubeletOptions;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Pod start-up latency on one node with the image present: pod creation to Ready observed through a watch, 30 pods
 * one after another (p50/p99) and 30 at once (time to all Ready); beside the floor measured in the same run, the same
 * containers started with the docker CLI (pause sandbox + nginx joined to its network) until each answers HTTP.
 */
public final class KubeletBench {
    private static final String NS = "bench";

    record Run(double p50, double p99, double batch, double floorP50, double floorP99, double floorBatch) {}

    /** The 1, 5 and 15 minute load averages, as uptime prints them. */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exception e) {
            e.printStackTrace();
            // Vert.x event-loop threads are not daemons: a failed run must end the JVM too.
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        int pods = 30;
        int runs = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--pods" -> pods = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--pods N --runs N)");
            }
        }
        Path script = findScript();
        exec(List.of(script.toString()));
        String node = "kubelet-bench-" + Long.toHexString(System.nanoTime() & 0xffff);
        String cidr = "10.248." + (10 + (int) (ProcessHandle.current().pid() % 200)) + ".0/24";
        Path root = Files.createTempDirectory("keelson-kubelet-bench-");
        List<Run> results = new ArrayList<>();
        try (TestCluster cluster = TestCluster.start()) {
            KubernetesClient client = cluster.client();
            Kubelet kubelet = new Kubelet(client, KubeletOptions.builder(node).port(0).bindAddress("127.0.0.1")
                    .rootDir(root).build());
            kubelet.start();
            try {
                client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE),
                        "{\"spec\":{\"podCIDR\":\"" + cidr + "\"}}");
                while (kubelet.network().cidr() == null) {
                    Thread.sleep(50);
                }
                if (client.namespaces().withName(NS).get() == null) {
                    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
                            .create();
                }
                warmUp(client, node);
                for (int r = 0; r < runs; r++) {
                    String loadBefore = loadAverage();
                    Run run = measure(client, kubelet, node, pods, r);
                    results.add(run);
                    printDockerOperations(kubelet);
                    System.out.printf("run %d: sequential p50 %.3f s p99 %.3f s, %d at once %.2f s | docker run floor:"
                                    + " p50 %.3f s p99 %.3f s, %d in parallel %.2f s | load average %s -> %s%n", r + 1,
                            run.p50, run.p99, pods, run.batch, run.floorP50, run.floorP99, pods, run.floorBatch,
                            loadBefore, loadAverage());
                }
            } finally {
                kubelet.close();
                exec(List.of("sh", "-c", "docker rm -f $(docker ps -aq --filter label=dev.keelson.node=" + node
                        + ") >/dev/null 2>&1; docker network rm keelson-" + node + " >/dev/null 2>&1; true"));
            }
        }
        System.out.printf("median of %d runs: sequential p50 %.3f s, p99 %.3f s; %d at once %.2f s;"
                        + " floor p50 %.3f s, p99 %.3f s, %d in parallel %.2f s; batch/floor %.2fx%n", runs,
                median(results, Run::p50), median(results, Run::p99), pods, median(results, Run::batch),
                median(results, Run::floorP50), median(results, Run::floorP99), pods, median(results, Run::floorBatch),
                median(results, Run::batch) / median(results, Run::floorBatch));
    }

    /** Where the kubelet's Docker time went so far: calls and mean latency per operation. */
    private static void printDockerOperations(Kubelet kubelet) {
        StringBuilder sb = new StringBuilder("  docker operations (count, mean ms):");
        kubelet.metrics().find("kubelet_docker_operations_duration_seconds").timers().stream()
                .sorted(java.util.Comparator.comparingDouble(t -> -t.totalTime(TimeUnit.MILLISECONDS)))
                .forEach(t -> sb.append(String.format(" %s %d/%.0f", t.getId().getTag("operation"), t.count(),
                        t.mean(TimeUnit.MILLISECONDS))));
        System.out.println(sb);
    }

    private static Path findScript() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path s = dir.resolve("scripts/build-images.sh");
            if (Files.isExecutable(s)) {
                return s;
            }
        }
        throw new IllegalStateException("scripts/build-images.sh not found above " + Path.of("").toAbsolutePath());
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    private static Pod pod(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(node).withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("nginx").withImage("nginx:1.22").endContainer().endSpec().build();
    }

    private static boolean ready(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Ready times (System.nanoTime) by pod name, as a watch sees them. */
    private static Watch watchReady(KubernetesClient client, Map<String, Long> readyAt) {
        return client.pods().inNamespace(NS).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (ready(pod)) {
                    readyAt.putIfAbsent(pod.getMetadata().getName(), System.nanoTime());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    private static void warmUp(KubernetesClient client, String node) throws Exception {
        Map<String, Long> readyAt = new ConcurrentHashMap<>();
        try (Watch w = watchReady(client, readyAt)) {
            client.pods().inNamespace(NS).resource(pod("warmup", node)).create();
            awaitAll(readyAt, List.of("warmup"));
        }
        deleteAll(client, node);
    }

    private static Run measure(KubernetesClient client, Kubelet kubelet, String node, int pods, int run) throws Exception {
        Map<String, Long> readyAt = new ConcurrentHashMap<>();
        Map<String, Long> createdAt = new ConcurrentHashMap<>();
        List<Double> seq = new ArrayList<>();
        List<String> seqNames = new ArrayList<>();
        double batch;
        try (Watch w = watchReady(client, readyAt)) {
            for (int i = 0; i < pods; i++) {
                String name = "seq-" + run + "-" + i;
                seqNames.add(name);
                long t0 = System.nanoTime();
                createdAt.put(name, t0);
                client.pods().inNamespace(NS).resource(pod(name, node)).create();
                awaitAll(readyAt, List.of(name));
                seq.add((readyAt.get(name) - t0) / 1e9);
            }
            StartBreakdown.print("sequential, run " + (run + 1), kubelet.startTraces(), seqNames, createdAt, readyAt);
            deleteAll(client, node);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                names.add("batch-" + run + "-" + i);
            }
            ExecutorService ex = Executors.newFixedThreadPool(pods);
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (String n : names) {
                fs.add(ex.submit(() -> {
                    createdAt.put(n, System.nanoTime());
                    return client.pods().inNamespace(NS).resource(pod(n, node)).create();
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            awaitAll(readyAt, names);
            batch = (names.stream().mapToLong(readyAt::get).max().getAsLong() - t0) / 1e9;
            ex.shutdown();
            StartBreakdown.print(pods + " at once, run " + (run + 1), kubelet.startTraces(), names, createdAt,
                    readyAt);
        }
        deleteAll(client, node);
        String network = kubelet.network().networkName();
        List<Double> floor = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            floor.add(dockerRun(network, "kubelet-bench-floor-" + run + "-" + i));
        }
        removeFloor(run);
        ExecutorService ex = Executors.newFixedThreadPool(pods);
        long t0 = System.nanoTime();
        List<Future<Double>> fs = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            String name = "kubelet-bench-floor-p" + run + "-" + i;
            fs.add(ex.submit(() -> dockerRun(network, name)));
        }
        for (Future<Double> f : fs) {
            f.get();
        }
        double floorBatch = (System.nanoTime() - t0) / 1e9;
        ex.shutdown();
        removeFloor(run);
        return new Run(pct(seq, 50), pct(seq, 99), batch, pct(floor, 50), pct(floor, 99), floorBatch);
    }

    private static double pct(List<Double> values, int p) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int idx = (int) Math.ceil(p / 100.0 * v.size()) - 1;
        return v.get(Math.max(0, Math.min(v.size() - 1, idx)));
    }

    private static void awaitAll(Map<String, Long> readyAt, List<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!readyAt.keySet().containsAll(names)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pods not Ready within 120 s: "
                        + names.stream().filter(n -> !readyAt.containsKey(n)).toList());
            }
            Thread.sleep(5);
        }
    }

    /** Deletes the bench pods and waits until the kubelet has removed their containers too, so phases do not overlap. */
    private static void deleteAll(KubernetesClient client, String node) throws Exception {
        client.pods().inNamespace(NS).delete();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!client.pods().inNamespace(NS).list().getItems().isEmpty()
                || !exec(List.of("docker", "ps", "-aq", "--filter", "label=dev.keelson.node=" + node)).isBlank()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pods or their containers not gone within 120 s");
            }
            Thread.sleep(100);
        }
    }

    /** docker run of a pause sandbox and nginx in its network namespace; seconds until nginx answers HTTP. */
    private static double dockerRun(String network, String name) throws Exception {
        long t0 = System.nanoTime();
        exec(List.of("docker", "run", "-d", "--name", name + "-pause", "--label", "kubelet-bench-floor=1",
                "--network", network, "registry.k8s.io/pause:3.10"));
        exec(List.of("docker", "run", "-d", "--name", name, "--label", "kubelet-bench-floor=1",
                "--network", "container:" + name + "-pause", "nginx:1.22"));
        String ip = exec(List.of("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                name + "-pause")).trim();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(200)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + "/"))
                        .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return (System.nanoTime() - t0) / 1e9;
                }
            } catch (IOException e) {
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException(name + " did not answer HTTP on " + ip + " within 30 s");
    }

    private static void removeFloor(int run) throws Exception {
        exec(List.of("sh", "-c", "docker rm -f $(docker ps -aq --filter label=kubelet-bench-floor=1) >/dev/null 2>&1; true"));
    }

    private static String exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
