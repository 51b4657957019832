package dev.keelson.cli;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.componentbase.VertxHolder;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `keelson apiserver`: the API server alone, on an existing etcd. */
@Command(name = "apiserver", mixinStandardHelpOptions = true,
        description = "Run the Keelson API server (Kubernetes API over HTTPS) on an etcd cluster.")
public final class ApiServerCommand implements Callable<Integer> {
    @Option(names = "--etcd-servers", required = true, split = ",", description = "etcd client URLs, comma-separated.")
    List<String> etcdServers;

    @Mixin
    ApiServerFlags api = new ApiServerFlags();

    @Mixin
    SecurityFlags security = new SecurityFlags();

    @Override
    public Integer call() throws Exception {
        ApiServer server = new ApiServer(VertxHolder.get(), api.options(etcdServers, api.etcdTls(), api.etcdCompactionInterval),
                security.forApiServer())
                .withServiceAccountTokens(api.serviceAccountTokens.options());
        server.start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
