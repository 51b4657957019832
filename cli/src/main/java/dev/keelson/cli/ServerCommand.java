package dev.keelson.cli;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.componentbase.VertxHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `keelson server`: the embedded default. Starts etcd as a child process unless --etcd-servers is given, then
 * the apiserver and, as they are enabled, the other components in this JVM.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a Keelson control plane (etcd unless --etcd-servers, apiserver, and the in-process components).")
public final class ServerCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerCommand.class);

    @Mixin
    ApiServerFlags api = new ApiServerFlags();

    @Option(names = "--etcd-servers", split = ",", description = "Use this etcd instead of starting one.")
    List<String> etcdServers;

    @Option(names = "--etcd-client-port", defaultValue = "0", description = "Embedded etcd client port; 0 picks a free port.")
    int etcdClientPort;

    @Option(names = "--etcd-peer-port", defaultValue = "0", description = "Embedded etcd peer port; 0 picks a free port.")
    int etcdPeerPort;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(api.dataDir);
        List<AutoCloseable> running = new ArrayList<>();
        List<String> etcd = etcdServers;
        if (etcd == null || etcd.isEmpty()) {
            EmbeddedEtcd embedded = EmbeddedEtcd.start(api.dataDir.resolve("etcd"), etcdClientPort, etcdPeerPort);
            running.add(embedded);
            etcd = List.of(embedded.clientUrl());
            LOG.info("started etcd (pid {}) at {}", embedded.pid(), embedded.clientUrl());
        }
        ApiServer server = new ApiServer(VertxHolder.get(), api.toCommand().options(etcd));
        running.add(0, server);
        try {
            server.start();
        } catch (Exception e) {
            closeAll(running);
            throw e;
        }
        Path kubeconfig = server.adminKubeconfig();
        System.out.println("keelson server is up: apiserver https://127.0.0.1:" + server.port()
                + ", admin kubeconfig " + kubeconfig);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeAll(running);
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    private static void closeAll(List<AutoCloseable> running) {
        for (AutoCloseable c : running) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
