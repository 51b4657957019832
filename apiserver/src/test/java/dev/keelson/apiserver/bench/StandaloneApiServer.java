package dev.keelson.apiserver.bench;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdTls;
import dev.keelson.componentbase.VertxHolder;
import java.nio.file.Path;
import java.util.List;

/**
 * The apiserver alone in a JVM of its own, so the benchmark can read its RSS without the clients'. Args: etcd URL,
 * data dir, the etcd PKI dir. Prints {@code PORT <n>} once serving and stops when its standard input closes.
 */
public final class StandaloneApiServer {
    private StandaloneApiServer() {
    }

    public static void main(String[] args) throws Exception {
        Path pki = Path.of(args[2]);
        ApiServerOptions options = ApiServerOptions.defaults(List.of(args[0]), Path.of(args[1])).withPort("127.0.0.1", 0)
                .withEtcd(EtcdOptions.defaults().withTls(new EtcdTls(pki.resolve("etcd/ca.crt"),
                        pki.resolve("apiserver-etcd-client.crt"), pki.resolve("apiserver-etcd-client.key"))));
        try (ApiServer server = new ApiServer(VertxHolder.get(), options)) {
            server.start();
            System.out.println("PORT " + server.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the benchmark to close our stdin
            }
        }
        System.exit(0);
    }
}
