package dev.keelson.controllermanager;

import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** `keelson controller-manager`: runs the controllers as their own process until interrupted. */
@Command(name = "controller-manager", mixinStandardHelpOptions = true,
        description = "Runs the reconcile loops: deployment, replicaset, garbage collector, namespace, node lifecycle, "
                + "node IPAM, endpoints, endpointslices and pod garbage collection.")
public final class ControllerManagerCommand implements Callable<Integer> {
    @Option(names = "--kubeconfig", required = true, description = "kubeconfig with the apiserver address and credentials")
    Path kubeconfig;

    @Option(names = "--bind-address", defaultValue = "0.0.0.0", description = "address for /healthz and /metrics (default ${DEFAULT-VALUE})")
    String bindAddress;

    @Option(names = "--secure-port", defaultValue = "10257", description = "port for /healthz and /metrics; 0 picks a free port (default ${DEFAULT-VALUE})")
    int securePort;

    @Option(names = "--leader-elect", arity = "0..1", defaultValue = "true", fallbackValue = "true",
            description = "take part in leader election before running controllers (default ${DEFAULT-VALUE})")
    boolean leaderElect;

    @Option(names = "--leader-elect-lease-duration", defaultValue = "15s", converter = GoDuration.class,
            description = "how long a lease is valid after its last renewal (default ${DEFAULT-VALUE})")
    Duration leaseDuration;

    @Option(names = "--leader-elect-renew-deadline", defaultValue = "10s", converter = GoDuration.class,
            description = "how long the leader keeps trying to renew before giving up (default ${DEFAULT-VALUE})")
    Duration renewDeadline;

    @Option(names = "--leader-elect-retry-period", defaultValue = "2s", converter = GoDuration.class,
            description = "wait between attempts to acquire or renew (default ${DEFAULT-VALUE})")
    Duration retryPeriod;

    @Option(names = "--leader-elect-resource-namespace", defaultValue = "kube-system",
            description = "namespace of the election Lease (default ${DEFAULT-VALUE})")
    String leaseNamespace;

    @Option(names = "--leader-elect-resource-name", defaultValue = "kube-controller-manager",
            description = "name of the election Lease (default ${DEFAULT-VALUE})")
    String leaseName;

    @Option(names = "--controllers", split = ",", defaultValue = "*",
            description = "controllers to run: '*' all, 'name' enables, '-name' disables; known: "
                    + "replicaset, deployment, garbagecollector, namespace, nodelifecycle, nodeipam, endpoint, endpointslice, podgc")
    List<String> controllers;

    @Option(names = "--cluster-cidr", defaultValue = "10.244.0.0/16", description = "range node pod CIDRs come from (default ${DEFAULT-VALUE})")
    String clusterCidr;

    @Option(names = "--node-cidr-mask-size", defaultValue = "24", description = "prefix length of each node's pod CIDR (default ${DEFAULT-VALUE})")
    int nodeCidrMaskSize;

    @Option(names = "--node-monitor-grace-period", defaultValue = "40s", converter = GoDuration.class,
            description = "silence after which a node is marked Ready=Unknown and tainted unreachable (default ${DEFAULT-VALUE})")
    Duration nodeMonitorGracePeriod;

    @Option(names = "--node-monitor-period", defaultValue = "5s", converter = GoDuration.class,
            description = "how often node heartbeats are checked (default ${DEFAULT-VALUE})")
    Duration nodeMonitorPeriod;

    @Option(names = "--node-eviction-rate", defaultValue = "0.1",
            description = "nodes per second that may newly get a NoExecute taint (default ${DEFAULT-VALUE})")
    double nodeEvictionRate;

    @Option(names = "--secondary-node-eviction-rate", defaultValue = "0.01",
            description = "nodes per second that may newly get a NoExecute taint in a partially disrupted zone larger "
                    + "than --large-cluster-size-threshold (default ${DEFAULT-VALUE})")
    double secondaryNodeEvictionRate;

    @Option(names = "--unhealthy-zone-threshold", defaultValue = "0.55",
            description = "fraction of not-ready nodes (at least 3) that makes a zone partially disrupted (default ${DEFAULT-VALUE})")
    double unhealthyZoneThreshold;

    @Option(names = "--large-cluster-size-threshold", defaultValue = "50",
            description = "zones of at most this many nodes stop tainting while partially disrupted (default ${DEFAULT-VALUE})")
    int largeClusterSizeThreshold;

    @Option(names = "--terminated-pod-gc-threshold", defaultValue = "12500",
            description = "terminated pods kept before the oldest are deleted; 0 keeps all (default ${DEFAULT-VALUE})")
    int terminatedPodGcThreshold;

    @Option(names = "--concurrent-replicaset-syncs", defaultValue = "5", description = "replicaset workers (default ${DEFAULT-VALUE})")
    int replicaSetSyncs;

    @Option(names = "--concurrent-deployment-syncs", defaultValue = "5", description = "deployment workers (default ${DEFAULT-VALUE})")
    int deploymentSyncs;

    @Option(names = "--concurrent-gc-syncs", defaultValue = "20", description = "garbage collector workers (default ${DEFAULT-VALUE})")
    int gcSyncs;

    @Option(names = "--concurrent-namespace-syncs", defaultValue = "10", description = "namespace workers (default ${DEFAULT-VALUE})")
    int namespaceSyncs;

    @Option(names = "--concurrent-endpoint-syncs", defaultValue = "5", description = "endpoints workers (default ${DEFAULT-VALUE})")
    int endpointSyncs;

    @Option(names = "--concurrent-service-endpoint-syncs", defaultValue = "5", description = "endpointslice workers (default ${DEFAULT-VALUE})")
    int endpointSliceSyncs;

    @Option(names = "--endpoint-updates-batch-period", defaultValue = "500ms", converter = GoDuration.class,
            description = "pod changes gathered before a Service's endpoints are rewritten (default ${DEFAULT-VALUE})")
    Duration endpointBatch;

    ControllerManagerOptions options() {
        return new ControllerManagerOptions(leaderElect, leaseNamespace, leaseName, leaseDuration, renewDeadline,
                retryPeriod, ControllerManagerOptions.defaultIdentity(), bindAddress, securePort, controllers,
                clusterCidr, nodeCidrMaskSize, nodeMonitorGracePeriod, nodeMonitorPeriod, nodeEvictionRate,
                replicaSetSyncs, deploymentSyncs, gcSyncs, namespaceSyncs, endpointSyncs, endpointSliceSyncs,
                endpointBatch, secondaryNodeEvictionRate, unhealthyZoneThreshold, largeClusterSizeThreshold,
                terminatedPodGcThreshold);
    }

    @Override
    public Integer call() throws Exception {
        ControllerManagerOptions options = options();
        KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig);
        ControllerManager manager = new ControllerManager(client, options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            manager.close();
            client.close();
            stopped.countDown();
        }, "controller-manager-shutdown"));
        manager.start();
        stopped.await();
        return 0;
    }

    /** Go-style durations as Kubernetes flags take them: 40s, 500ms, 1m30s, 1h. */
    public static final class GoDuration implements ITypeConverter<Duration> {
        private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            Matcher m = PART.matcher(value);
            Duration total = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                long n = Long.parseLong(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
                end = m.end();
            }
            if (end == 0 || end != value.length()) {
                throw new IllegalArgumentException("not a duration (like 40s, 500ms, 1m30s): " + value);
            }
            return total;
        }
    }
}
