package dev.keelson.proxy;

import dev.keelson.componentbase.cli.GoDuration;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code keelson proxy}: runs one node's service proxy until stopped, or removes its rules with --cleanup. */
@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = "Programs iptables so Service IPs and NodePorts reach ready pods, and routes pod CIDRs "
                + "between nodes.")
public final class ProxyCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ProxyCommand.class);

    @Option(names = "--kubeconfig", description = "kubeconfig with the apiserver address and credentials")
    Path kubeconfig;

    @Option(names = "--node-name", description = "this node's name (default: the host name)")
    String nodeName;

    @Option(names = "--cluster-cidr", defaultValue = ProxyOptions.DEFAULT_CLUSTER_CIDR,
            description = "pod CIDR of the cluster; traffic from it is not masqueraded (default: ${DEFAULT-VALUE})")
    String clusterCidr;

    @Option(names = "--min-sync-period", defaultValue = "1s", converter = GoDuration.class,
            description = "shortest time between the starts of two rule syncs; after a quiet spell two may start back"
                    + " to back, as kube-proxy's (default: ${DEFAULT-VALUE})")
    Duration minSyncPeriod;

    @Option(names = "--sync-period", defaultValue = "30s", converter = GoDuration.class,
            description = "resync interval: the tables are read and every chain that differs from the wanted rules,"
                    + " e.g. edited by hand, is rewritten (default: ${DEFAULT-VALUE})")
    Duration syncPeriod;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0",
            description = "address of the healthz and metrics servers (default: ${DEFAULT-VALUE})")
    String bindAddress;

    @Option(names = "--healthz-port", defaultValue = "10256", description = "/healthz port, 0 for a free one")
    int healthzPort;

    @Option(names = "--metrics-port", defaultValue = "10249", description = "/metrics port, 0 for a free one")
    int metricsPort;

    @Option(names = "--cleanup", description = "remove every chain, rule and route the proxy created, then exit")
    boolean cleanup;

    @Override
    public Integer call() throws Exception {
        if (cleanup) {
            List<String> problems = new ProxyCleanup(List.of()).run();
            problems.forEach(p -> System.err.println("cleanup: " + p));
            return problems.isEmpty() ? 0 : 1;
        }
        if (kubeconfig == null) {
            System.err.println("--kubeconfig is required");
            return 2;
        }
        ProxyOptions options = new ProxyOptions(nodeName != null ? nodeName : hostName(), clusterCidr,
                minSyncPeriod, syncPeriod, bindAddress, healthzPort, metricsPort, List.of());
        CountDownLatch stopped = new CountDownLatch(1);
        try (KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig);
             Proxy proxy = new Proxy(client, options)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "keelson-proxy-shutdown"));
            proxy.start();
            stopped.await();
            log.info("proxy stopping; rules stay in place");
        }
        return 0;
    }

    private static String hostName() throws UnknownHostException {
        return InetAddress.getLocalHost().getHostName();
    }
}
