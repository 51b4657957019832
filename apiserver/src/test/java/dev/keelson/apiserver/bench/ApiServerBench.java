package dev.keelson.apiserver.bench;

import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.testing.TestCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Pod creates per second and latency through the apiserver at 1, 10 and 50 clients beside raw jetcd puts of the
 * same JSON at the same concurrency, write-to-100-watchers delivery and a 10,000 pod list, against one etcd in one
 * run (the apiserver runs in this JVM, so memory is this JVM's RSS and heap delta). Not part of the test suite:
 * {@code mvn -o -B -pl apiserver test -Dtest=ApiServerBench -Dsurefire.redirectTestOutputToFile=false}.
 */
class ApiServerBench {
    static final int PER_RUN = 1000;
    static final int WATCHERS = 100;
    static final int WATCHED_WRITES = 50;
    static final int LISTED_PODS = 10_000;

    @Test
    void podCreatesVersusRawEtcdPuts() throws Exception {
        try (TestCluster cluster = TestCluster.start();
             Client etcd = Client.builder().endpoints(cluster.etcd().clientUrl()).build()) {
            KubernetesClient client = cluster.client();
            byte[] json = Json.MAPPER.writeValueAsBytes(pod("template"));
            System.out.printf("%-8s %-10s %12s %10s %10s%n", "clients", "path", "ops/s", "p50 ms", "p99 ms");
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
                    System.out.printf("%-8d %-10s %12.0f %10.2f %10.2f%n", clients, "apiserver", api.opsPerSecond,
                            api.p50, api.p99);
                    System.out.printf("%-8d %-10s %12.0f %10.2f %10.2f   ratio %.2f%n", clients, "etcd put",
                            raw.opsPerSecond, raw.p50, raw.p99, api.opsPerSecond / raw.opsPerSecond);
                }
            }
            watchDelivery(cluster);
            largeList(cluster);
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

    /** Latency of listing 10,000 pods, and this JVM's RSS and heap before the pods exist and after listing them. */
    static void largeList(TestCluster cluster) throws Exception {
        String ns = "bench-list";
        KubernetesClient client = cluster.client();
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                .withNewMetadata().withName(ns).endMetadata().build()).create();
        long rssBefore = rssKb();
        long heapBefore = usedHeapAfterGc();
        AtomicInteger seq = new AtomicInteger();
        int perRun = LISTED_PODS;
        Result fill = runN(50, perRun, () -> client.pods().inNamespace(ns).resource(pod("l-" + seq.incrementAndGet())).create());
        System.out.printf("created %d pods at %.0f/s%n", perRun, fill.opsPerSecond);
        List<Long> lat = new ArrayList<>();
        long peakRss = 0;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            int n = client.pods().inNamespace(ns).list().getItems().size();
            lat.add(System.nanoTime() - t);
            peakRss = Math.max(peakRss, rssKb());
            if (n != LISTED_PODS) {
                throw new AssertionError("listed " + n + " pods, expected " + LISTED_PODS);
            }
        }
        Collections.sort(lat);
        System.out.printf("list %d pods (5 lists): median %.0f ms max %.0f ms%n", LISTED_PODS, lat.get(2) / 1e6,
                lat.get(4) / 1e6);
        System.out.printf("JVM (apiserver + bench clients) RSS before %d MiB, peak after lists %d MiB (+%d MiB); "
                + "heap after GC before %d MiB, after %d MiB%n", rssBefore / 1024, peakRss / 1024,
                (peakRss - rssBefore) / 1024, heapBefore >> 20, usedHeapAfterGc() >> 20);
    }

    static long rssKb() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static long usedHeapAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels("app", "bench").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("nginx:1.27").endContainer().endSpec().build();
    }

    record Result(double opsPerSecond, double p50, double p99) {}

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
        pool.shutdown();
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(sorted.size() / seconds, sorted.get(sorted.size() / 2) / 1e6,
                sorted.get((int) (sorted.size() * 0.99)) / 1e6);
    }
}
