package dev.keelson.cli;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.apiserver.etcd.EtcdMaintenance;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.EtcdTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.cli.GoDuration;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.controllermanager.ControllerManager;
import dev.keelson.controllermanager.ControllerManagerOptions;
import dev.keelson.dns.KubeDnsService;
import dev.keelson.scheduler.Scheduler;
import dev.keelson.scheduler.SchedulerOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    @Mixin
    SecurityFlags security = new SecurityFlags();

    @Option(names = "--etcd-servers", split = ",", description = "Use this etcd instead of starting one.")
    List<String> etcdServers;

    @Option(names = "--etcd-client-port", defaultValue = "0", description = "Embedded etcd client port; 0 picks a free port.")
    int etcdClientPort;

    @Option(names = "--etcd-listen-address",
            description = "Embedded etcd: also serve clients on this address (TLS, client certificates); default 127.0.0.1 only.")
    String etcdListenAddress;

    @Option(names = "--etcd-snapshot-interval", defaultValue = "12h", converter = GoDuration.class,
            description = "Embedded etcd: save a snapshot this often (k3s: every 12 hours). Default: ${DEFAULT-VALUE}.")
    Duration etcdSnapshotInterval;

    @Option(names = "--etcd-snapshot-retention", defaultValue = "5",
            description = "Embedded etcd: how many scheduled snapshots to keep. Default: ${DEFAULT-VALUE}.")
    int etcdSnapshotRetention;

    @Option(names = "--etcd-snapshot-dir", description = "Embedded etcd: snapshot directory. Default: <data-dir>/etcd/snapshots.")
    Path etcdSnapshotDir;

    @Option(names = "--etcd-disable-snapshots", description = "Embedded etcd: no scheduled snapshots.")
    boolean etcdDisableSnapshots;

    @Option(names = "--etcd-defrag-interval", defaultValue = "1h", converter = GoDuration.class,
            description = "Embedded etcd: how often to check its database and defragment it when a quarter of it is free; 0 never. Default: ${DEFAULT-VALUE}.")
    Duration etcdDefragInterval;

    @Option(names = "--etcd-peer-port", defaultValue = "0", description = "Embedded etcd peer port; 0 picks a free port.")
    int etcdPeerPort;

    @Option(names = "--node-monitor-grace-period", defaultValue = "40s",
            converter = GoDuration.class,
            description = "How long a node may miss heartbeats before it is marked unreachable. Default: ${DEFAULT-VALUE}.")
    Duration nodeMonitorGracePeriod;

    @Option(names = "--disable-agent", description = "Control plane only: no kubelet and no proxy on this host.")
    boolean disableAgent;

    @Option(names = "--component-ports-free", description = "Serve the scheduler, controller-manager and proxy health ports on free ports (for several servers on one host).")
    boolean freeComponentPorts;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(api.dataDir);
        // Registered before anything starts: a SIGTERM during start-up must still stop the etcd child process,
        // or it keeps the data dir locked for the next start.
        Lifecycle running = new Lifecycle();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.stopAll();
            stop.countDown();
        }));
        List<String> etcd = etcdServers;
        EtcdTls etcdTls = api.etcdTls();
        // the embedded etcd compacts its own history (--auto-compaction-retention); an external one is compacted
        // by the apiserver, as kube-apiserver does
        Duration compaction = api.etcdCompactionInterval;
        if (etcd == null || etcd.isEmpty()) {
            EmbeddedEtcd embedded = EmbeddedEtcd.start(new EmbeddedEtcd.Config(api.dataDir.resolve("etcd"),
                    api.dataDir.resolve("pki"), etcdListenAddress, etcdClientPort, etcdPeerPort));
            running.add(embedded);
            etcd = List.of(embedded.clientUrl());
            etcdTls = embedded.clientTls();
            compaction = Duration.ZERO;
            LOG.info("started etcd (pid {}) at {}", embedded.pid(), embedded.clientUrl());
            EtcdStorage maintenanceClient = new EtcdStorage(etcd, EtcdOptions.defaults().withTls(etcdTls),
                    new SimpleMeterRegistry());
            running.add(maintenanceClient);
            running.add(new EtcdMaintenance(maintenanceClient.client(), embedded.clientUrl(),
                    new EtcdMaintenance.Schedule(etcdDisableSnapshots ? Duration.ZERO : etcdSnapshotInterval,
                            etcdSnapshotRetention, etcdSnapshotDir != null ? etcdSnapshotDir
                            : api.dataDir.resolve("etcd/snapshots"), node.node(), etcdDefragInterval)).start());
        }
        ApiServer server = new ApiServer(VertxHolder.get(), api.options(etcd, etcdTls, compaction),
                security.forServer(api.dataDir))
                .withServiceAccountTokens(api.serviceAccountTokens.options());
        running.add(server);
        try {
            server.start();
        } catch (Exception e) {
            running.stopAll();
            throw e;
        }
        Path kubeconfig = server.adminKubeconfig();
        try {
            startComponents(kubeconfig, server.certificateAuthority(), running);
        } catch (Exception e) {
            running.stopAll();
            throw e;
        }
        System.out.println("keelson server is up: apiserver https://127.0.0.1:" + server.port()
                + ", admin kubeconfig " + kubeconfig);
        System.out.println("nodes join with: keelson agent --server https://<this host's address>:" + server.port()
                + " --token-file <a copy of " + server.nodeTokenFile() + ">");
        stop.await();
        return 0;
    }

    /**
     * The scheduler and controller-manager, and unless --disable-agent the kubelet and proxy, in this JVM. They
     * only need the apiserver, not each other, so they start side by side (a node registers while the controllers
     * sync their caches).
     */
    private void startComponents(Path kubeconfig, CertificateAuthority ca,
                                 Lifecycle running) {
        KubernetesClient client =
                KubeClients.fromKubeconfig(kubeconfig);
        running.add(client);
        DefaultStorageClass.ensure(client);
        List<CompletableFuture<Void>> starting = new ArrayList<>();
        // not the common pool: on a 2-core host it has a single worker and would start them one after another
        ExecutorService starter = Executors.newFixedThreadPool(4);
        starting.add(CompletableFuture.runAsync(() -> {
            var cm = new ControllerManager(client, ControllerManagerOptions.builder().clusterCidr(node.clusterCidr)
                    .nodeMonitorGracePeriod(nodeMonitorGracePeriod)
                    // the CA key never leaves this host: the controller-manager runs in this process
                    .clusterSigning(api.dataDir.resolve("pki").resolve("ca.crt"), api.dataDir.resolve("pki").resolve("ca.key"))
                    .bindAddress("127.0.0.1").securePort(freeComponentPorts ? 0 : 10257).build());
            cm.start();
            running.add(cm);
        }, starter));
        starting.add(CompletableFuture.runAsync(() -> {
            var scheduler = new Scheduler(client, SchedulerOptions.builder()
                    .bindAddress("127.0.0.1").securePort(freeComponentPorts ? 0 : 10259).build());
            scheduler.start();
            running.add(scheduler);
        }, starter));
        if (!node.disableDns) {
            starting.add(CompletableFuture.runAsync(() -> {
                try {
                    running.add(new KubeDnsService(client, node.clusterDns, node.dnsPort, freeComponentPorts ? 0 : 9153)
                            .start());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting the kube-dns Service", e);
                }
            }, starter));
        }
        if (!disableAgent) {
            starting.add(CompletableFuture.runAsync(() -> {
                // The in-process kubelet's serving certificate comes straight from the cluster CA (re-issued on
                // every start).
                Path pki = api.dataDir.resolve("pki");
                ca.issueServing("system:node:" + node.node(), node.servingNames(), node.servingIps(),
                        Duration.ofDays(365)).write(pki.resolve("kubelet.crt"), pki.resolve("kubelet.key"));
                NodeComponents.start(client, node, api.dataDir.resolve("kubelet"), pki.resolve("kubelet.crt"),
                        pki.resolve("kubelet.key"), pki.resolve("ca.crt"), freeComponentPorts, running);
            }, starter));
        }
        try {
            CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new))
                    .join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        } finally {
            starter.shutdown();
        }
        LOG.info("controller-manager, scheduler{} started", disableAgent ? "" : ", kubelet and proxy");
    }

}
