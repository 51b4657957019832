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
 * Pod creates per second and latency through the apiserver at 1, 10 and 50 clients, beside raw jetcd puts of
 * the same JSON at the same concurrency, against one etcd in one run. Not part of the test suite:
 * {@code mvn -o -B -pl apiserver test -Dtest=ApiServerBench -Dsurefire.redirectTestOutputToFile=false}.
 */
class ApiServerBench {
    static final int PER_RUN = 2000;

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
        }
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
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger left = new AtomicInteger(PER_RUN);
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
