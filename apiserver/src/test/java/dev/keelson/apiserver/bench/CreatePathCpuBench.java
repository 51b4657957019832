package dev.keelson.apiserver.bench;

import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.admission.AdmissionPlugins;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * CPU per pod create in the apiserver: the CPU time of its threads (the HTTP event loops, where a create is
 * authenticated, authorized, admitted, validated and encoded, and the etcd client's) and of the whole JVM (with the
 * fabric8 client, GC and JIT), per create, over rounds of 1,000 creates by 10 clients after a warm-up, with the
 * authorizer and admission chains off (AlwaysAllow, every plugin disabled) and on (the defaults), alternated
 * ({@code -Dbench.chains=off,on,off,on,off,on}). Not part of the test suite:
 * {@code mvn -o -B -pl apiserver -am test -Dtest=CreatePathCpuBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class CreatePathCpuBench {
    static final int WARM_UP = 4000;
    static final int ROUNDS = 7;
    static final int PER_ROUND = 1000;
    static final int CLIENTS = 10;

    @Test
    void cpuPerPodCreate() throws Exception {
        // "off": AlwaysAllow and every admission plugin disabled; "on": the defaults (Node,AlwaysAllow and the default
        // plugins); alternated in one run so that both see the same machine
        for (String config : System.getProperty("bench.chains", "off,on,off,on,off,on").split(",")) {
            System.out.printf("%n== chains %s%n", config);
            run("on".equals(config) ? o -> o : o -> o.withAccess(new ApiServerOptions.Access(List.of("AlwaysAllow"),
                    List.of(), AdmissionPlugins.implemented())));
        }
    }

    static void run(java.util.function.UnaryOperator<ApiServerOptions> options) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (TestCluster cluster = TestCluster.start(options)) {
            KubernetesClient client = cluster.client();
            String ns = "bench";
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
            AtomicInteger seq = new AtomicInteger();
            ApiServerBench.Op create = () -> client.pods().inNamespace(ns)
                    .resource(ApiServerBench.pod("p-" + seq.incrementAndGet())).create();
            ApiServerBench.etcdPid = cluster.etcd().pid();
            ApiServerBench.runN(CLIENTS, WARM_UP, create);
            java.util.Map<String, Double> groupsBefore = cpuByGroup(threads);
            List<Double> vertx = new ArrayList<>();
            List<Double> jvm = new ArrayList<>();
            System.out.printf("%-6s %10s %20s %16s%n", "round", "creates/s", "apiserver cpu ms/op", "jvm cpu ms/op");
            for (int r = 0; r < ROUNDS; r++) {
                double before = vertxCpuMs(threads);
                ApiServerBench.Result res = ApiServerBench.runN(CLIENTS, PER_ROUND, create);
                double perOp = (vertxCpuMs(threads) - before) / PER_ROUND;
                vertx.add(perOp);
                jvm.add(res.jvmCpuMsPerOp());
                System.out.printf("%-6d %10.0f %20.3f %16.3f%n", r, res.opsPerSecond(), perOp, res.jvmCpuMsPerOp());
            }
            java.util.Map<String, Double> groupsAfter = cpuByGroup(threads);
            System.out.println("CPU per create by thread group over all rounds (ms):");
            groupsAfter.forEach((g, ms) -> {
                double per = (ms - groupsBefore.getOrDefault(g, 0.0)) / (ROUNDS * PER_ROUND);
                if (per >= 0.005) {
                    System.out.printf("  %-40s %8.3f%n", g, per);
                }
            });
            Collections.sort(vertx);
            Collections.sort(jvm);
            System.out.printf("median: apiserver cpu %.3f ms/create, jvm cpu %.3f ms/create%n", vertx.get(ROUNDS / 2),
                    jvm.get(ROUNDS / 2));
        }
    }

    /** CPU time per thread name with its numbers removed ("vert.x-eventloop-thread-"), in ms. */
    static java.util.Map<String, Double> cpuByGroup(ThreadMXBean threads) {
        java.util.Map<String, Double> out = new java.util.TreeMap<>();
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null) {
                long cpu = threads.getThreadCpuTime(t.getThreadId());
                if (cpu > 0) {
                    out.merge(t.getThreadName().replaceAll("[0-9]+", "N"), cpu / 1e6, Double::sum);
                }
            }
        }
        return out;
    }

    /**
     * CPU time of the apiserver's threads, in ms: Vert.x (the HTTP event loops: authentication, authorization,
     * decoding, admission, validation, encoding), its request worker pool and the etcd client's (gRPC and jetcd
     * threads, where the work after each etcd answer continues). The fabric8 client's threads are not counted.
     */
    static double vertxCpuMs(ThreadMXBean threads) {
        long total = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            String n = t == null ? "" : t.getThreadName();
            if (n.startsWith("vert.x-") || n.startsWith("grpc-") || n.startsWith("jetcd-")
                    || n.startsWith("apiserver-")) {
                long cpu = threads.getThreadCpuTime(t.getThreadId());
                if (cpu > 0) {
                    total += cpu;
                }
            }
        }
        return total / 1e6;
    }
}
