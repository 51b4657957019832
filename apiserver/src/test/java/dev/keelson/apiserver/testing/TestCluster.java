package dev.keelson.apiserver.testing;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real etcd child process plus an in-process apiserver on free loopback ports, for integration tests.
 * Everything it starts stops on {@link #close()}.
 */
public final class TestCluster implements AutoCloseable {
    private final Path dir;
    private final EmbeddedEtcd etcd;
    private final ApiServer apiServer;
    private final KubernetesClient client;

    private TestCluster(Path dir, EmbeddedEtcd etcd, ApiServer apiServer) {
        this.dir = dir;
        this.etcd = etcd;
        this.apiServer = apiServer;
        this.client = KubeClients.fromKubeconfig(apiServer.adminKubeconfig());
    }

    public static TestCluster start() {
        return start(options -> options);
    }

    /** Starts a cluster whose apiserver options the caller may adjust. */
    public static TestCluster start(java.util.function.UnaryOperator<ApiServerOptions> customize) {
        return start(VertxHolder.get(), customize);
    }

    /** Starts a cluster whose apiserver runs on {@code vertx} (e.g. one with a strict blocked-thread checker). */
    public static TestCluster start(io.vertx.core.Vertx vertx, java.util.function.UnaryOperator<ApiServerOptions> customize) {
        return start(vertx, customize, dir -> dev.keelson.apiserver.SecurityOptions.NONE);
    }

    /** Starts a cluster with encryption at rest or audit, their files placed under the cluster's temp dir. */
    public static TestCluster startSecured(java.util.function.Function<Path, dev.keelson.apiserver.SecurityOptions> security) {
        return start(VertxHolder.get(), options -> options, security);
    }

    public static TestCluster start(io.vertx.core.Vertx vertx, java.util.function.UnaryOperator<ApiServerOptions> customize,
                                    java.util.function.Function<Path, dev.keelson.apiserver.SecurityOptions> security) {
        Path dir;
        try {
            dir = Files.createTempDirectory("keelson-test-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EmbeddedEtcd etcd = EmbeddedEtcd.start(dir.resolve("etcd"), 0, 0);
        ApiServerOptions options = customize.apply(
                ApiServerOptions.defaults(List.of(etcd.clientUrl()), dir.resolve("apiserver")).withPort("127.0.0.1", 0)
                        .withEtcd(EtcdOptions.defaults().withTls(etcd.clientTls())));
        ApiServer server = new ApiServer(vertx, options, security.apply(dir));
        try {
            server.start();
        } catch (Exception e) {
            server.close();
            etcd.close();
            throw new IllegalStateException("apiserver did not start: " + e.getMessage(), e);
        }
        return new TestCluster(dir, etcd, server);
    }

    /** Options of an apiserver on this cluster's etcd and data dir (to start another one after a close). */
    public ApiServerOptions apiServerOptions() {
        return ApiServerOptions.defaults(List.of(etcd.clientUrl()), dir.resolve("apiserver")).withPort("127.0.0.1", 0)
                .withEtcd(EtcdOptions.defaults().withTls(etcd.clientTls()));
    }

    public KubernetesClient client() {
        return client;
    }

    /** A new client of its own (for tests that need two independent connections). */
    public KubernetesClient newClient() {
        return KubeClients.fromKubeconfig(apiServer.adminKubeconfig());
    }

    public Path kubeconfig() {
        return apiServer.adminKubeconfig();
    }

    public String url() {
        return "https://127.0.0.1:" + apiServer.port();
    }

    public ApiServer apiServer() {
        return apiServer;
    }

    public EmbeddedEtcd etcd() {
        return etcd;
    }

    public Path dataDir() {
        return dir;
    }

    @Override
    public void close() {
        client.close();
        apiServer.close();
        etcd.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files are harmless
        }
    }
}
