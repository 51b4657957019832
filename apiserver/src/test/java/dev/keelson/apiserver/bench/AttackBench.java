package dev.keelson.apiserver.bench;

import dev.keelson.apiserver.testing.RawHttps;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * An admin's request latency (GET of a namespace through the fabric8 client, keep-alive, client certificate) with
 * nothing else running and during each attack of issue 20's tests: amplifying JSON patches sent in a loop by 4
 * clients, 1,000 slowloris connections sending a header byte every 5 s, unauthenticated TLS connections opened and held
 * by 4 clients as fast as they can. Prints p50/p99 per phase for each run and the median p99 over the runs. Not part
 * of the test suite: {@code mvn -o -B -pl apiserver test -Dtest=AttackBench [-Dbench.runs=3]}; output in
 * target/surefire-reports/dev.keelson.apiserver.bench.AttackBench-output.txt.
 */
class AttackBench {
    static final int SAMPLES = 400;

    interface Attack {
        AutoCloseable start(TestCluster cluster) throws Exception;
    }

    @Test
    void adminLatencyDuringEachAttack() throws Exception {
        int runs = Integer.getInteger("bench.runs", 3);
        List<String> names = List.of("none", "json-patch amplification", "slowloris x1000", "idle TLS flood");
        List<Attack> attacks = List.of(c -> () -> { }, AttackBench::patchFlood, AttackBench::slowloris,
                AttackBench::tlsFlood);
        List<List<Double>> p99s = new ArrayList<>();
        names.forEach(n -> p99s.add(new ArrayList<>()));
        for (int run = 1; run <= runs; run++) {
            try (TestCluster cluster = TestCluster.start()) {
                KubernetesClient admin = cluster.client();
                measure(admin, SAMPLES * 3); // warm-up: JIT and connection pool, so "none" is not the slowest phase
                for (int a = 0; a < attacks.size(); a++) {
                    try (AutoCloseable attack = attacks.get(a).start(cluster)) {
                        double[] p = measure(admin, SAMPLES);
                        p99s.get(a).add(p[1]);
                        System.out.printf("run %d  %-26s p50 %7.1f ms  p99 %7.1f ms%n", run, names.get(a), p[0],
                                p[1]);
                    }
                }
            }
        }
        System.out.printf("%nmedian admin p99 over %d runs (load average at the end: %s)%n", runs,
                java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
        for (int a = 0; a < names.size(); a++) {
            List<Double> v = new ArrayList<>(p99s.get(a));
            Collections.sort(v);
            System.out.printf("%-26s %7.1f ms%n", names.get(a), v.get(v.size() / 2));
        }
    }

    /** p50 and p99 in ms of {@code n} sequential admin GETs. */
    static double[] measure(KubernetesClient admin, int n) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            admin.namespaces().withName("default").get();
            ms.add((System.nanoTime() - t) / 1e6);
        }
        Collections.sort(ms);
        return new double[]{ms.get(n / 2), ms.get((int) Math.ceil(n * 0.99) - 1)};
    }

    /** Runs {@code body} on {@code threads} threads until closed. */
    static AutoCloseable loop(int threads, Consumer<Integer> body) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        for (int i = 0; i < threads; i++) {
            int id = i;
            pool.submit(() -> {
                while (!stop.get() && !Thread.currentThread().isInterrupted()) {
                    body.accept(id);
                }
            });
        }
        return () -> {
            stop.set(true);
            pool.shutdownNow();
            pool.awaitTermination(60, TimeUnit.SECONDS);
        };
    }

    static RawHttps mallory(TestCluster cluster) {
        return new RawHttps(cluster, cluster.apiServer().certificateAuthority().issueClient("mallory",
                List.of("system:authenticated"), Duration.ofHours(1)));
    }

    static AutoCloseable patchFlood(TestCluster cluster) {
        cluster.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("amplify").endMetadata().build()).createOr(c -> c.update());
        StringBuilder ops = new StringBuilder("[{\"op\":\"add\",\"path\":\"/data\",\"value\":{\"s\":\"")
                .append("x".repeat(64)).append("\"}}");
        for (int i = 0; i < 85; i++) {
            ops.append(",{\"op\":\"copy\",\"from\":\"/data\",\"path\":\"/data/c").append(i).append("\"}");
        }
        String patch = ops.append(']').toString();
        RawHttps user = mallory(cluster);
        return loop(4, id -> {
            try {
                user.send("PATCH", "/api/v1/namespaces/default/configmaps/amplify", "application/json-patch+json",
                        patch);
            } catch (IOException ignored) {
                // an attacker does not care
            }
        });
    }

    static AutoCloseable slowloris(TestCluster cluster) throws Exception {
        RawHttps anonymous = new RawHttps(cluster, null);
        List<SSLSocket> sockets = Collections.synchronizedList(new ArrayList<>());
        ExecutorService connect = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 1000; i++) {
            connect.submit(() -> {
                try {
                    sockets.add(anonymous.connect());
                } catch (IOException ignored) {
                    // shed
                }
            });
        }
        connect.shutdown();
        connect.awaitTermination(5, TimeUnit.MINUTES);
        byte[] header = "GET /api/v1/pods HTTP/1.1\r\nHost: x\r\nX: ".concat("a".repeat(500))
                .getBytes(StandardCharsets.US_ASCII);
        int[] at = {0};
        AutoCloseable trickle = loop(1, id -> {
            int k = at[0]++ % header.length;
            for (SSLSocket s : List.copyOf(sockets)) {
                try {
                    s.getOutputStream().write(header, k, 1);
                    s.getOutputStream().flush();
                } catch (IOException closed) {
                    sockets.remove(s);
                }
            }
            try {
                Thread.sleep(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return () -> {
            trickle.close();
            for (Socket s : List.copyOf(sockets)) {
                s.close();
            }
        };
    }

    static AutoCloseable tlsFlood(TestCluster cluster) {
        RawHttps anonymous = new RawHttps(cluster, null);
        List<Socket> held = Collections.synchronizedList(new ArrayList<>());
        AutoCloseable flood = loop(4, id -> {
            try {
                held.add(anonymous.connect());
            } catch (IOException shed) {
                // refused: try again
            }
            if (held.size() > 4000) {
                Socket s = held.remove(0);
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        });
        return () -> {
            flood.close();
            for (Socket s : List.copyOf(held)) {
                s.close();
            }
        };
    }
}
