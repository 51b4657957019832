package dev.keelson.controllermanager;

import dev.keelson.componentbase.cli.ComponentFlags;
import dev.keelson.componentbase.cli.Foreground;
import dev.keelson.componentbase.cli.GoDuration;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `keelson controller-manager`: runs the controllers as their own process until interrupted. */
@Command(name = "controller-manager", mixinStandardHelpOptions = true,
        resourceBundle = "dev.keelson.controllermanager.ControllerManagerCommand",
        description = "Runs the reconcile loops: deployment, replicaset, garbage collector, namespace, node lifecycle, "
                + "node IPAM, endpoints, endpointslices, pod garbage collection, certificate approval and signing, and "
                + "expired bootstrap token cleanup.")
public final class ControllerManagerCommand implements Callable<Integer> {
    static {
        // the --controllers help lists the names from the one controller list (picocli resolves ${sys:...} lazily)
        System.setProperty("keelson.controllers", String.join(", ", Controllers.names()));
    }

    @Mixin
    ComponentFlags flags = new ComponentFlags("kube-controller-manager", ControllerManagerOptions.DEFAULT_SECURE_PORT);

    @Option(names = "--controllers", split = ",", defaultValue = "*",
            description = "controllers to run: '*' all on by default, 'name' enables, '-name' disables (the first "
                    + "entry naming a controller wins); known: ${sys:keelson.controllers}")
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

    @Option(names = "--cluster-signing-cert-file", description = "PEM CA certificate csrsigning signs approved requests with")
    Path clusterSigningCert;

    @Option(names = "--cluster-signing-key-file", description = "PEM CA key csrsigning signs approved requests with")
    Path clusterSigningKey;

    @Option(names = "--cluster-signing-duration", defaultValue = "8760h", converter = GoDuration.class,
            description = "longest validity of a signed certificate (default ${DEFAULT-VALUE})")
    Duration clusterSigningDuration;

    ControllerManagerOptions options() {
        return ControllerManagerOptions.builder()
                .common(flags.common())
                .controllers(controllers)
                .clusterCidr(clusterCidr)
                .nodeCidrMaskSize(nodeCidrMaskSize)
                .nodeMonitorGracePeriod(nodeMonitorGracePeriod)
                .nodeMonitorPeriod(nodeMonitorPeriod)
                .nodeEvictionRate(nodeEvictionRate)
                .secondaryNodeEvictionRate(secondaryNodeEvictionRate)
                .unhealthyZoneThreshold(unhealthyZoneThreshold)
                .largeClusterSizeThreshold(largeClusterSizeThreshold)
                .terminatedPodGcThreshold(terminatedPodGcThreshold)
                .concurrentReplicaSetSyncs(replicaSetSyncs)
                .concurrentDeploymentSyncs(deploymentSyncs)
                .concurrentGcSyncs(gcSyncs)
                .concurrentNamespaceSyncs(namespaceSyncs)
                .concurrentEndpointSyncs(endpointSyncs)
                .concurrentEndpointSliceSyncs(endpointSliceSyncs)
                .endpointUpdatesBatchPeriod(endpointBatch)
                .clusterSigning(clusterSigningCert, clusterSigningKey)
                .clusterSigningDuration(clusterSigningDuration)
                .build();
    }

    @Override
    public Integer call() throws Exception {
        ControllerManagerOptions options = options();
        KubernetesClient client = KubeClients.fromKubeconfig(flags.kubeconfig());
        ControllerManager manager = new ControllerManager(client, options);
        return Foreground.runUntilShutdown("controller-manager", manager::start, () -> {
            manager.close();
            client.close();
        });
    }
}
