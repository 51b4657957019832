package dev.keelson.apiserver.bench;

import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.testing.TestCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Pod creates per second, latency and CPU per create through the apiserver at 1, 10 and 50 clients beside raw jetcd
 * puts of the same JSON at the same concurrency, and write-to-100-watchers delivery, for each HTTP server
 * configuration in {@code -Dbench.httpServers} (default "1,0": one event loop, then one per core), in one run; then a
 * 10,000 pod list against an apiserver in a JVM of its own, for its RSS. Not part of the test suite:
 * {@code mvn -o -B -pl apiserver test -Dtest=ApiServerBench}; output in
 * target/surefire-reports/dev.keelson.apiserver.bench.ApiServerBench-output.txt.
 */
class ApiServerBench {
    static final int PER_RUN = 1000;
    static final int WATCHERS = 100;
    static final int WATCHED_WRITES = 50;
    static final int LISTED_PODS = 10_000;

    @Test
    void podCreatesVersusRawEtcdPuts() throws Exception {
        // HTTP server instances (event loops) to compare in this run; 0 = the default, one per core
        String[] configs = System.getProperty("bench.httpServers", "1,0").split(",");
        for (int c = 0; c < configs.length; c++) {
            int servers = Integer.parseInt(configs[c].trim());
            boolean last = c == configs.length - 1;
            try (TestCluster cluster = TestCluster.start(o -> o.withHttpServers(servers));
                 Client etcd = new dev.keelson.apiserver.storage.EtcdStorage(List.of(cluster.etcd().clientUrl()),
                         dev.keelson.apiserver.storage.EtcdOptions.defaults().withTls(cluster.etcd().clientTls()),
                         new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).client()) {
                etcdPid = cluster.etcd().pid();
                System.out.printf("%n== apiserver with %s HTTP server instance(s)%n",
                        servers == 0 ? Runtime.getRuntime().availableProcessors() + " (default)" : servers);
                creates(cluster, etcd);
                watchDelivery(cluster);
                if (last) {
                    largeList();
                }
            }
        }
    }

    /**
     * Custom resource creates beside ConfigMap creates of the same JSON size in the same apiserver: per round 1,000
     * ConfigMaps and 1,000 custom objects (a schema with a default, an enum, a bound and a list), which first alternating, 5
     * rounds at 1, 10 and 50 clients; the ratio is CR creates/s over ConfigMap creates/s of the same round.
     * {@code mvn -o -B -pl apiserver test -Dtest=ApiServerBench#customResourceCreatesVersusConfigMaps}.
     */
    @Test
    void customResourceCreatesVersusConfigMaps() throws Exception {
        try (TestCluster cluster = TestCluster.start()) {
            etcdPid = cluster.etcd().pid();
            KubernetesClient client = cluster.client();
            client.apiextensions().v1().customResourceDefinitions().load(new java.io.ByteArrayInputStream("""
                    apiVersion: apiextensions.k8s.io/v1
                    kind: CustomResourceDefinition
                    metadata: {name: payloads.bench.example.com}
                    spec:
                      group: bench.example.com
                      scope: Namespaced
                      names: {plural: payloads, kind: Payload}
                      versions:
                      - name: v1
                        served: true
                        storage: true
                        schema:
                          openAPIV3Schema:
                            type: object
                            properties:
                              spec:
                                type: object
                                required: [data]
                                properties:
                                  data: {type: string, maxLength: 100000}
                                  mode: {type: string, enum: [fast, safe], default: fast}
                                  replicas: {type: integer, minimum: 0, maximum: 1000, default: 1}
                                  tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
                    """.getBytes(StandardCharsets.UTF_8))).createOr(r -> r.update());
            var payloads = client.genericKubernetesResources(new io.fabric8.kubernetes.client.dsl.base
                    .ResourceDefinitionContext.Builder().withGroup("bench.example.com").withVersion("v1")
                    .withPlural("payloads").withKind("Payload").withNamespaced(true).build());
            Instant deadline = Instant.now().plusSeconds(30);
            while (client.apiextensions().v1().customResourceDefinitions().withName("payloads.bench.example.com")
                    .get().getStatus().getConditions().stream().noneMatch(c -> c.getType().equals("Established")
                            && c.getStatus().equals("True"))) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("payloads not established");
                }
                Thread.sleep(50);
            }
            String data = "x".repeat(1000);
            String cmSize = Json.MAPPER.writeValueAsString(configMap("cm-000000", data));
            String crSize = Json.MAPPER.writeValueAsString(payload("cr-000000", data));
            System.out.printf("%nrequest JSON: ConfigMap %d bytes, Payload %d bytes%n", cmSize.length(),
                    crSize.length());
            System.out.printf("%-8s %-6s %14s %14s %8s %12s %12s%n", "clients", "round", "configmaps/s", "payloads/s",
                    "ratio", "cm cpu ms", "cr cpu ms");
            for (int clients : new int[] {1, 10, 50}) {
                List<Double> ratios = new ArrayList<>();
                for (int round = 0; round < 5; round++) {
                    String ns = "cr-" + clients + "-" + round;
                    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                            .withNewMetadata().withName(ns).endMetadata().build()).create();
                    AtomicInteger seq = new AtomicInteger();
                    Op cmOp = () -> client.configMaps().inNamespace(ns)
                            .resource(configMap(String.format("cm-%06d", seq.incrementAndGet()), data)).create();
                    AtomicInteger seq2 = new AtomicInteger();
                    Op crOp = () -> payloads.inNamespace(ns)
                            .resource(payload(String.format("cr-%06d", seq2.incrementAndGet()), data)).create();
                    // which kind goes first alternates, so neither always meets the warmer JIT
                    Result cm;
                    Result cr;
                    if (round % 2 == 0) {
                        cm = run(clients, cmOp);
                        cr = run(clients, crOp);
                    } else {
                        cr = run(clients, crOp);
                        cm = run(clients, cmOp);
                    }
                    double ratio = cr.opsPerSecond / cm.opsPerSecond;
                    ratios.add(ratio);
                    System.out.printf("%-8d %-6d %14.0f %14.0f %8.2f %12.3f %12.3f%n", clients, round,
                            cm.opsPerSecond, cr.opsPerSecond, ratio, cm.jvmCpuMsPerOp + cm.etcdCpuMsPerOp,
                            cr.jvmCpuMsPerOp + cr.etcdCpuMsPerOp);
                }
                Collections.sort(ratios);
                System.out.printf("%-8d median ratio %.2f%n", clients, ratios.get(ratios.size() / 2));
            }
        }
    }

    static io.fabric8.kubernetes.api.model.ConfigMap configMap(String name, String data) {
        return new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName(name)
                .addToLabels("app", "bench").endMetadata().addToData("data", data).addToData("mode", "fast")
                .addToData("tags", "a,b").build();
    }

    static io.fabric8.kubernetes.api.model.GenericKubernetesResource payload(String name, String data) {
        io.fabric8.kubernetes.api.model.GenericKubernetesResource r =
                new io.fabric8.kubernetes.api.model.GenericKubernetesResource();
        r.setApiVersion("bench.example.com/v1");
        r.setKind("Payload");
        r.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name)
                .addToLabels("app", "bench").build());
        r.setAdditionalProperty("spec", java.util.Map.of("data", data, "mode", "fast", "tags", List.of("a", "b")));
        return r;
    }

    static void creates(TestCluster cluster, Client etcd) throws Exception {
        KubernetesClient client = cluster.client();
        byte[] json = Json.MAPPER.writeValueAsBytes(pod("template"));
        System.out.printf("%-8s %-10s %12s %10s %10s %12s %12s%n", "clients", "path", "ops/s", "p50 ms", "p99 ms",
                "jvm cpu ms", "etcd cpu ms");
        for (int clients : new int[] {1, 10, 50}) {
            for (int round = 0; round < 3; round++) {
                String ns = "bench-" + clients + "-" + round;
                client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                        .withNewMetadata().withName(ns).endMetadata().build()).create();
                AtomicInteger seq = new AtomicInteger();
                Result api = run(clients, () -> client.pods().inNamespace(ns)
                        .resource(pod("p-" + seq.incrementAndGet())).create());
                AtomicInteger seq2 = new AtomicInteger();
                Result raw = run(clients, () -> etcd.getKVClient().put(ByteSequence.from("/bench/" + ns + "/"
                        + seq2.incrementAndGet(), StandardCharsets.UTF_8), ByteSequence.from(json)).get());
                System.out.printf("%-8d %-10s %12.0f %10.2f %10.2f %12.3f %12.3f%n", clients, "apiserver",
                        api.opsPerSecond, api.p50, api.p99, api.jvmCpuMsPerOp, api.etcdCpuMsPerOp);
                System.out.printf("%-8d %-10s %12.0f %10.2f %10.2f %12.3f %12.3f   ratio %.2f (cpu per op %.2f)%n",
                        clients, "etcd put", raw.opsPerSecond, raw.p50, raw.p99, raw.jvmCpuMsPerOp,
                        raw.etcdCpuMsPerOp, api.opsPerSecond / raw.opsPerSecond,
                        (api.jvmCpuMsPerOp + api.etcdCpuMsPerOp) / (raw.jvmCpuMsPerOp + raw.etcdCpuMsPerOp));
            }
        }
    }

    /** Time from issuing a create until each of 100 watchers (own connections) has its ADDED event. */
    static void watchDelivery(TestCluster cluster) throws Exception {
        String ns = "bench-watch";
        KubernetesClient client = cluster.client();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata().withName(ns).endMetadata().build()).create();
        java.util.Map<String, Long> sentAt = new java.util.concurrent.ConcurrentHashMap<>();
        List<Long> delays = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger received = new AtomicInteger();
        List<KubernetesClient> clients = new ArrayList<>();
        List<io.fabric8.kubernetes.client.Watch> watches = new ArrayList<>();
        try {
            for (int i = 0; i < WATCHERS; i++) {
                KubernetesClient c = cluster.newClient();
                clients.add(c);
                watches.add(c.pods().inNamespace(ns).watch(new io.fabric8.kubernetes.client.Watcher<Pod>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                        long now = System.nanoTime();
                        Long sent = sentAt.get(pod.getMetadata().getName());
                        if (action == Action.ADDED && sent != null) {
                            delays.add(now - sent);
                            received.incrementAndGet();
                        }
                    }

                    @Override
                    public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                    }
                }));
            }
            for (int w = 0; w < WATCHED_WRITES; w++) {
                String name = "w-" + w;
                sentAt.put(name, System.nanoTime());
                client.pods().inNamespace(ns).resource(pod(name)).create();
                int expected = (w + 1) * WATCHERS;
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (received.get() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (received.get() < expected) {
                    throw new AssertionError("write " + w + ": " + received.get() + " of " + expected
                            + " deliveries after 30 s");
                }
                if (w == 0) {
                    // watches connect asynchronously; once all have the first write they are all established
                    delays.clear();
                }
            }
        } finally {
            watches.forEach(io.fabric8.kubernetes.client.Watch::close);
            clients.forEach(KubernetesClient::close);
        }
        List<Long> sorted = new ArrayList<>(delays);
        Collections.sort(sorted);
        System.out.printf("watch delivery to %d watchers, %d writes after a warm-up one: p50 %.2f ms p99 %.2f ms max %.2f ms%n",
                WATCHERS, WATCHED_WRITES - 1, sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6, sorted.get(sorted.size() - 1) / 1e6);
    }

    /**
     * Latency of listing 10,000 pods and the apiserver's RSS, with the apiserver in a JVM of its own (the launcher's
     * default options) against its own etcd: idle, after the creates, and the peak while listing.
     */
    static void largeList() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("keelson-bench-list");
        try (dev.keelson.apiserver.etcd.EmbeddedEtcd etcd = dev.keelson.apiserver.etcd.EmbeddedEtcd.start(
                dir.resolve("etcd"), 0, 0)) {
            Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
            Process server = new ProcessBuilder(javaBin.toString(), "-Xms64m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), StandaloneApiServer.class.getName(),
                    etcd.clientUrl(), dir.resolve("apiserver").toString(), dir.resolve("etcd/pki").toString())
                    .redirectError(dir.resolve("apiserver.log").toFile()).start();
            try {
                java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                        server.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.startsWith("PORT ")) {
                    // start-up output
                }
                if (line == null) {
                    throw new AssertionError("the apiserver exited; see " + dir.resolve("apiserver.log"));
                }
                long pid = server.pid();
                try (KubernetesClient client = dev.keelson.componentbase.client.KubeClients.fromKubeconfig(
                        dir.resolve("apiserver").resolve("admin.kubeconfig"))) {
                    String ns = "bench-list";
                    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                            .withNewMetadata().withName(ns).endMetadata().build()).create();
                    Thread.sleep(2000);
                    long rssIdle = rssKb(pid);
                    AtomicInteger seq = new AtomicInteger();
                    Result fill = runN(50, LISTED_PODS, () -> client.pods().inNamespace(ns)
                            .resource(pod("l-" + seq.incrementAndGet())).create());
                    long rssFilled = rssKb(pid);
                    System.out.printf("created %d pods at %.0f/s (apiserver in its own JVM)%n", LISTED_PODS,
                            fill.opsPerSecond);
                    List<Long> lat = new ArrayList<>();
                    long peakRss = 0;
                    for (int i = 0; i < 5; i++) {
                        long t = System.nanoTime();
                        int n = client.pods().inNamespace(ns).list().getItems().size();
                        lat.add(System.nanoTime() - t);
                        peakRss = Math.max(peakRss, rssKb(pid));
                        if (n != LISTED_PODS) {
                            throw new AssertionError("listed " + n + " pods, expected " + LISTED_PODS);
                        }
                    }
                    Collections.sort(lat);
                    System.out.printf("list %d pods (5 lists): median %.0f ms max %.0f ms%n", LISTED_PODS,
                            lat.get(2) / 1e6, lat.get(4) / 1e6);
                    System.out.printf("apiserver RSS (own JVM, -Xms64m -XX:+UseSerialGC): idle %d MiB, with %d pods "
                            + "%d MiB, peak while listing %d MiB%n", rssIdle / 1024, LISTED_PODS, rssFilled / 1024,
                            peakRss / 1024);
                }
            } finally {
                server.getOutputStream().close();
                if (!server.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            }
        }
    }

    static long rssKb(long pid) throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels("app", "bench").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx:1.27").endContainer().endSpec().build();
    }

    /** Throughput, latency and CPU per operation (this JVM: clients and apiserver; the etcd process). */
    record Result(double opsPerSecond, double p50, double p99, double jvmCpuMsPerOp, double etcdCpuMsPerOp) {}

    static long etcdPid;

    static double jvmCpuMs() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e6;
    }

    /** utime + stime of the etcd process, in ms (clock ticks of 10 ms). */
    static double etcdCpuMs() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + etcdPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    interface Op {
        void run() throws Exception;
    }

    static Result run(int clients, Op op) throws Exception {
        return runN(clients, PER_RUN, op);
    }

    static Result runN(int clients, int ops, Op op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger left = new AtomicInteger(ops);
        long start = System.nanoTime();
        double jvmCpu = jvmCpuMs();
        double etcdCpu = etcdCpuMs();
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            fs.add(pool.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    long t = System.nanoTime();
                    op.run();
                    latencies.add(System.nanoTime() - t);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double jvmCpuPerOp = (jvmCpuMs() - jvmCpu) / ops;
        double etcdCpuPerOp = (etcdCpuMs() - etcdCpu) / ops;
        pool.shutdown();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(sorted.size() / seconds, sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6, jvmCpuPerOp, etcdCpuPerOp);
    }
}
