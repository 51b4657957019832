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

    @Mixin
    NodeFlags node = new NodeFlags();

    @Option(names = "--etcd-servers", split = ",", description = "Use this etcd instead of starting one.")
    List<String> etcdServers;

    @Option(names = "--etcd-client-port", defaultValue = "0", description = "Embedded etcd client port; 0 picks a free port.")
    int etcdClientPort;

    @Option(names = "--etcd-peer-port", defaultValue = "0", description = "Embedded etcd peer port; 0 picks a free port.")
    int etcdPeerPort;

    @Option(names = "--disable-agent", description = "Control plane only: no kubelet and no proxy on this host.")
    boolean disableAgent;

    @Option(names = "--component-ports-free", description = "Serve the scheduler, controller-manager and proxy health ports on free ports (for several servers on one host).")
    boolean freeComponentPorts;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(api.dataDir);
        // Registered before anything starts: a SIGTERM during start-up must still stop the etcd child process,
        // or it keeps the data dir locked for the next start.
        List<AutoCloseable> running = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeAll(running);
            stop.countDown();
        }));
        List<String> etcd = etcdServers;
        if (etcd == null || etcd.isEmpty()) {
            EmbeddedEtcd embedded = EmbeddedEtcd.start(api.dataDir.resolve("etcd"), etcdClientPort, etcdPeerPort);
            running.add(embedded);
            etcd = List.of(embedded.clientUrl());
            LOG.info("started etcd (pid {}) at {}", embedded.pid(), embedded.clientUrl());
        }
        ApiServer server = new ApiServer(VertxHolder.get(), api.options(etcd));
        running.add(0, server);
        try {
            server.start();
        } catch (Exception e) {
            closeAll(running);
            throw e;
        }
        Path kubeconfig = server.adminKubeconfig();
        try {
            startComponents(kubeconfig, server.certificateAuthority(), running);
        } catch (Exception e) {
            closeAll(running);
            throw e;
        }
        System.out.println("keelson server is up: apiserver https://127.0.0.1:" + server.port()
                + ", admin kubeconfig " + kubeconfig);
        System.out.println("nodes join with: keelson agent --server https://<this host's address>:" + server.port()
                + " --token-file <a copy of " + server.nodeTokenFile() + ">");
        stop.await();
        return 0;
    }

    /** The scheduler and controller-manager, and unless --disable-agent the kubelet and proxy, in this JVM. */
    private void startComponents(Path kubeconfig, dev.keelson.componentbase.tls.CertificateAuthority ca,
                                 List<AutoCloseable> running) {
        io.fabric8.kubernetes.client.KubernetesClient client =
                dev.keelson.componentbase.client.KubeClients.fromKubeconfig(kubeconfig);
        running.add(0, client);
        var cm = new dev.keelson.controllermanager.ControllerManager(client,
                dev.keelson.controllermanager.ControllerManagerOptions.defaults().withClusterCidr(node.clusterCidr)
                        .withSecurePort("127.0.0.1", freeComponentPorts ? 0 : 10257));
        cm.start();
        running.add(0, cm);
        var scheduler = new dev.keelson.scheduler.Scheduler(client,
                dev.keelson.scheduler.SchedulerOptions.defaults().withServing("127.0.0.1", freeComponentPorts ? 0 : 10259));
        scheduler.start();
        running.add(0, scheduler);
        LOG.info("controller-manager and scheduler started");
        if (disableAgent) {
            return;
        }
        // The in-process kubelet's serving certificate comes straight from the cluster CA (re-issued on every start).
        Path pki = api.dataDir.resolve("pki");
        ca.issueServing("system:node:" + node.node(), node.servingNames(), node.servingIps(), java.time.Duration.ofDays(365))
                .write(pki.resolve("kubelet.crt"), pki.resolve("kubelet.key"));
        NodeComponents.start(client, node, api.dataDir.resolve("kubelet"), pki.resolve("kubelet.crt"),
                pki.resolve("kubelet.key"), pki.resolve("ca.crt"), freeComponentPorts, running);
    }

    /** Stops what runs, newest first, each once (an error path and the shutdown hook may both get here). */
    static void closeAll(List<AutoCloseable> running) {
        List<AutoCloseable> toClose;
        synchronized (running) {
            toClose = new ArrayList<>(running);
            running.clear();
        }
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
