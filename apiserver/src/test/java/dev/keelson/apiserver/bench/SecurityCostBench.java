package dev.keelson.apiserver.bench;

import dev.keelson.apiserver.SecurityOptions;
import dev.keelson.apiserver.audit.AuditOptions;
import dev.keelson.apiserver.audit.AuditPolicy;
import dev.keelson.apiserver.storage.encryption.SecretsEncryption;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What encryption at rest and the audit log cost a Secret create: creates/s and apiserver CPU per create (Vert.x,
 * request workers, gRPC/jetcd and the audit writer thread) with 10 fabric8 clients, 3,000 creates of warm-up and 5
 * rounds of 1,000 per configuration, configurations alternated in one JVM ({@code -Dbench.security=plain,aescbc,
 * aesgcm,secretbox,audit,audit-rr}). Not part of the test suite:
 * {@code mvn -o -B -pl apiserver -am test -Dtest=SecurityCostBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SecurityCostBench {
    static final int WARM_UP = 3000;
    static final int ROUNDS = 5;
    static final int PER_ROUND = 1000;
    static final int CLIENTS = 10;
    static final String EVERYTHING = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n";

    @Test
    void cpuPerSecretCreate() throws Exception {
        String configs = System.getProperty("bench.security", "plain,aescbc,aesgcm,audit,audit-rr,plain,aescbc,aesgcm,audit,audit-rr");
        for (String config : configs.split(",")) {
            System.out.printf("%n== %s%n", config);
            run(config, security(config));
        }
    }

    static Function<Path, SecurityOptions> security(String config) {
        return dir -> {
            try {
                return switch (config) {
                    case "plain" -> SecurityOptions.NONE;
                    case "aescbc", "aesgcm", "secretbox" -> {
                        Path file = dir.resolve("encryption.yaml");
                        byte[] key = new byte[32];
                        new java.security.SecureRandom().nextBytes(key);
                        Files.writeString(file, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
                                + "resources:\n- resources: [secrets]\n  providers:\n  - " + config + ":\n      keys:\n"
                                + "      - name: k1\n        secret: " + java.util.Base64.getEncoder().encodeToString(key)
                                + "\n  - identity: {}\n");
                        yield new SecurityOptions(new SecretsEncryption.Options(file, false), null);
                    }
                    case "audit" -> SecurityOptions.NONE.withAudit(AuditOptions.of(AuditPolicy.serverDefault(),
                            dir.resolve("logs/audit.log"), 100, 10, 30));
                    case "audit-rr" -> SecurityOptions.NONE.withAudit(AuditOptions.of(
                            AuditPolicy.decode(EVERYTHING.getBytes(StandardCharsets.UTF_8)),
                            dir.resolve("logs/audit.log"), 100, 10, 30));
                    default -> throw new IllegalArgumentException(config);
                };
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static void run(String config, Function<Path, SecurityOptions> security) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (TestCluster cluster = TestCluster.start(VertxHolder.get(), o -> o, security)) {
            KubernetesClient client = cluster.client();
            String ns = "bench";
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
            AtomicInteger seq = new AtomicInteger();
            ApiServerBench.Op create = () -> client.secrets().inNamespace(ns).resource(new SecretBuilder()
                    .withNewMetadata().withName("s-" + seq.incrementAndGet()).endMetadata()
                    .addToStringData("password", "correct horse battery staple " + seq.get())
                    .addToStringData("token", "x".repeat(200)).build()).create();
            ApiServerBench.etcdPid = cluster.etcd().pid();
            ApiServerBench.runN(CLIENTS, WARM_UP, create);
            List<Double> server = new ArrayList<>();
            List<Double> rates = new ArrayList<>();
            System.out.printf("%-6s %10s %20s %16s%n", "round", "creates/s", "apiserver cpu ms/op", "jvm cpu ms/op");
            for (int r = 0; r < ROUNDS; r++) {
                double before = serverCpuMs(threads);
                ApiServerBench.Result res = ApiServerBench.runN(CLIENTS, PER_ROUND, create);
                double perOp = (serverCpuMs(threads) - before) / PER_ROUND;
                server.add(perOp);
                rates.add(res.opsPerSecond());
                System.out.printf("%-6d %10.0f %20.3f %16.3f%n", r, res.opsPerSecond(), perOp, res.jvmCpuMsPerOp());
            }
            Collections.sort(server);
            Collections.sort(rates);
            System.out.printf("RESULT %s median: %.0f creates/s, apiserver cpu %.3f ms/create%n", config,
                    rates.get(ROUNDS / 2), server.get(ROUNDS / 2));
        }
    }

    /** The apiserver's threads as {@link CreatePathCpuBench#vertxCpuMs} counts them, plus the audit writer. */
    static double serverCpuMs(ThreadMXBean threads) {
        double audit = 0;
        for (var t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("audit-log-writer")) {
                audit += Math.max(0, threads.getThreadCpuTime(t.getThreadId())) / 1e6;
            }
        }
        return CreatePathCpuBench.vertxCpuMs(threads) + audit;
    }
}
