package dev.keelson.controllermanager;

import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.controllermanager.certificates.CsrApprovingController;
import dev.keelson.controllermanager.certificates.CsrSigningController;
import dev.keelson.controllermanager.certificates.TokenCleaner;
import dev.keelson.controllermanager.clusterroleaggregation.ClusterRoleAggregationController;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.cronjob.CronJobController;
import dev.keelson.controllermanager.daemon.DaemonSetController;
import dev.keelson.controllermanager.deployment.DeploymentController;
import dev.keelson.controllermanager.disruption.DisruptionController;
import dev.keelson.controllermanager.endpoint.EndpointSliceController;
import dev.keelson.controllermanager.endpoint.EndpointsController;
import dev.keelson.controllermanager.garbagecollector.GarbageCollector;
import dev.keelson.controllermanager.job.JobController;
import dev.keelson.controllermanager.namespace.NamespaceController;
import dev.keelson.controllermanager.nodeipam.NodeIpamController;
import dev.keelson.controllermanager.nodelifecycle.NodeLifecycleController;
import dev.keelson.controllermanager.podautoscaler.HorizontalPodAutoscalerController;
import dev.keelson.controllermanager.podgc.PodGarbageCollector;
import dev.keelson.controllermanager.replicaset.ReplicaSetController;
import dev.keelson.controllermanager.resourcequota.ResourceQuotaController;
import dev.keelson.controllermanager.ttlafterfinished.TtlAfterFinishedController;
import dev.keelson.controllermanager.serviceaccount.ClientRootCa;
import dev.keelson.controllermanager.statefulset.StatefulSetController;
import dev.keelson.controllermanager.serviceaccount.RootCaPublisher;
import dev.keelson.controllermanager.serviceaccount.ServiceAccountsController;
import dev.keelson.controllermanager.volume.PersistentVolumeController;
import dev.keelson.controllermanager.volume.PvProtectionController;
import dev.keelson.controllermanager.volume.PvcProtectionController;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one list of the controller-manager's controllers, in start order: each entry's --controllers name (and
 * kube-controller-manager's own name for it as an alias), whether {@code *} leaves it off, the kinds it owns (which
 * the garbage collector watches) and how to build it. The ControllerManager, the --controllers flag's check and
 * help, and the garbage collector's kinds all come from here; a new controller is one entry.
 */
public final class Controllers {
    private static final Logger log = LoggerFactory.getLogger(Controllers.class);

    private Controllers() {
    }

    /** What a controller is built from. */
    public record Context(SharedInformers informers, ControllerManagerOptions options, MeterRegistry registry,
                          Clock clock) {
    }

    /** A built controller: how to start its workers (blocking until its caches sync) and how to stop it. */
    public interface Running extends AutoCloseable {
        void run() throws InterruptedException;

        @Override
        void close();
    }

    /** Builds a controller; returns empty when its settings keep it from running (the reason is logged). */
    @FunctionalInterface
    public interface Factory {
        Optional<Running> create(Context context);
    }

    /** A kind the garbage collector watches: its name in ownerReferences and its shared informer. */
    public record GcKind(String kind, Function<SharedInformers, SharedIndexInformer<? extends HasMetadata>> informer) {
    }

    /**
     * One controller.
     *
     * @param name the --controllers name
     * @param alias kube-controller-manager's name for it (accepted by --controllers too)
     * @param disabledByDefault true if {@code *} does not turn it on
     * @param kinds the kinds it creates and owns, watched by the garbage collector
     */
    public record Descriptor(String name, String alias, boolean disabledByDefault, List<GcKind> kinds,
                             Factory factory) {
        public Descriptor {
            kinds = List.copyOf(kinds);
        }
    }

    @FunctionalInterface
    interface Starter {
        void run() throws InterruptedException;
    }

    /** A Running from a start and a stop action. */
    public static Running running(Starter start, Runnable stop) {
        return new Running() {
            @Override
            public void run() throws InterruptedException {
                start.run();
            }

            @Override
            public void close() {
                stop.run();
            }
        };
    }

    private static Optional<Running> of(Starter start, Runnable stop) {
        return Optional.of(running(start, stop));
    }

    /** Kinds the garbage collector watches whatever controllers exist (objects users give owners). */
    static final List<GcKind> BASE_GC_KINDS = List.of(
            new GcKind("Pod", SharedInformers::pods),
            new GcKind("Service", SharedInformers::services),
            new GcKind("Endpoints", SharedInformers::endpoints),
            new GcKind("EndpointSlice", SharedInformers::endpointSlices),
            new GcKind("ConfigMap", i -> i.namespaced(ConfigMap.class)),
            new GcKind("Secret", i -> i.namespaced(Secret.class)));

    /** Every controller, in start order: node IPAM first, since a new node's pod network waits for its podCIDR. */
    public static final List<Descriptor> ALL = List.of(
            new Descriptor("nodeipam", "node-ipam-controller", false, List.of(), c -> {
                ControllerManagerOptions o = c.options();
                NodeIpamController n = new NodeIpamController(c.informers(), o.clusterCidr(), o.nodeCidrMaskSize(),
                        c.registry());
                return of(n::run, n::close);
            }),
            new Descriptor("replicaset", "replicaset-controller", false,
                    List.of(new GcKind("ReplicaSet", SharedInformers::replicaSets)), c -> {
                ReplicaSetController r = new ReplicaSetController(c.informers(), c.registry());
                return of(() -> r.run(c.options().concurrentReplicaSetSyncs()), r::close);
            }),
            new Descriptor("replicationcontroller", "replicationcontroller-controller", false,
                    List.of(new GcKind("ReplicationController", SharedInformers::replicationControllers)), c -> {
                ReplicaSetController r = ReplicaSetController.forReplicationControllers(c.informers(), c.registry());
                // kube-controller-manager's --concurrent-rc-syncs default
                return of(() -> r.run(5), r::close);
            }),
            new Descriptor("deployment", "deployment-controller", false,
                    List.of(new GcKind("Deployment", SharedInformers::deployments)), c -> {
                DeploymentController d = new DeploymentController(c.informers(), c.registry());
                return of(() -> d.run(c.options().concurrentDeploymentSyncs()), d::close);
            }),
            new Descriptor("job", "job-controller", false, List.of(new GcKind("Job", SharedInformers::jobs)), c -> {
                JobController j = new JobController(c.informers(), new JobController.Options(
                        c.options().jobPodFailureBackoff(), Duration.ofMinutes(6), c.clock()), c.registry());
                // kube-controller-manager's --concurrent-job-syncs default
                return of(() -> j.run(5), j::close);
            }),
            new Descriptor("cronjob", "cronjob-controller", false, List.of(new GcKind("CronJob", SharedInformers::cronJobs)),
                    c -> {
                CronJobController j = new CronJobController(c.informers(), c.clock(), c.registry());
                // kube-controller-manager's --concurrent-cron-job-syncs default
                return of(() -> j.run(5), j::close);
            }),
            new Descriptor("ttl-after-finished", "ttl-after-finished-controller", false, List.of(), c -> {
                TtlAfterFinishedController t = new TtlAfterFinishedController(c.informers(), c.clock(), c.registry());
                // kube-controller-manager's --concurrent-ttl-after-finished-syncs default
                return of(() -> t.run(5), t::close);
            }),
            new Descriptor("garbagecollector", "garbage-collector-controller", false, List.of(), c -> {
                GarbageCollector g = new GarbageCollector(c.informers(), garbageCollectedInformers(c.informers()),
                        c.registry());
                return of(() -> g.run(c.options().concurrentGcSyncs()), g::close);
            }),
            new Descriptor("clusterrole-aggregation", "clusterrole-aggregation-controller", false, List.of(), c -> {
                ClusterRoleAggregationController a = new ClusterRoleAggregationController(c.informers(), c.registry());
                return of(a::run, a::close);
            }),
            new Descriptor("namespace", "namespace-controller", false, List.of(), c -> {
                NamespaceController n = new NamespaceController(c.informers(), c.registry());
                return of(() -> n.run(c.options().concurrentNamespaceSyncs()), n::close);
            }),
            new Descriptor("nodelifecycle", "node-lifecycle-controller", false, List.of(), c -> {
                ControllerManagerOptions o = c.options();
                NodeLifecycleController n = new NodeLifecycleController(c.informers(),
                        new NodeLifecycleController.Options(o.nodeMonitorGracePeriod(), o.nodeMonitorPeriod(),
                                o.nodeEvictionRate(), o.secondaryNodeEvictionRate(), o.unhealthyZoneThreshold(),
                                o.largeClusterSizeThreshold()), c.registry());
                return of(n::run, n::close);
            }),
            new Descriptor("endpoint", "endpoints-controller", false, List.of(), c -> {
                EndpointsController e = new EndpointsController(c.informers(), c.options().endpointUpdatesBatchPeriod(),
                        c.registry());
                return of(() -> e.run(c.options().concurrentEndpointSyncs()), e::close);
            }),
            new Descriptor("endpointslice", "endpointslice-controller", false, List.of(), c -> {
                EndpointSliceController e = new EndpointSliceController(c.informers(),
                        c.options().endpointUpdatesBatchPeriod(), c.registry());
                return of(() -> e.run(c.options().concurrentEndpointSliceSyncs()), e::close);
            }),
            new Descriptor("daemonset", "daemonset-controller", false,
                    List.of(new GcKind("DaemonSet", i -> i.namespaced(DaemonSet.class)),
                            new GcKind("ControllerRevision", SharedInformers::controllerRevisions)), c -> {
                DaemonSetController d = new DaemonSetController(c.informers(), c.registry());
                // kube-controller-manager's --concurrent-daemonset-syncs default
                return of(() -> d.run(2), d::close);
            }),
            new Descriptor("statefulset", "statefulset-controller", false,
                    List.of(new GcKind("StatefulSet", i -> i.namespaced(StatefulSet.class)),
                            new GcKind("ControllerRevision", SharedInformers::controllerRevisions),
                            new GcKind("PersistentVolumeClaim", i -> i.namespaced(PersistentVolumeClaim.class))), c -> {
                StatefulSetController s = new StatefulSetController(c.informers(), c.registry());
                // kube-controller-manager's --concurrent-statefulset-syncs default
                return of(() -> s.run(5), s::close);
            }),
            new Descriptor("disruption", "disruption-controller", false, List.of(), c -> {
                DisruptionController d = new DisruptionController(c.informers(), c.registry());
                return of(() -> d.run(1), d::close);
            }),
            new Descriptor("podgc", "pod-garbage-collector-controller", false, List.of(), c -> {
                PodGarbageCollector p = new PodGarbageCollector(c.informers(),
                        PodGarbageCollector.Options.withThreshold(c.options().terminatedPodGcThreshold()), c.registry());
                return of(p::run, p::close);
            }),
            new Descriptor("csrapproving", "certificatesigningrequest-approving-controller", false, List.of(), c -> {
                CsrApprovingController a = new CsrApprovingController(c.informers(), c.registry(), c.clock());
                return of(a::run, a::close);
            }),
            new Descriptor("csrsigning", "certificatesigningrequest-signing-controller", false, List.of(), c -> {
                ControllerManagerOptions o = c.options();
                if (o.clusterSigningCertFile() == null) {
                    log.info("csrsigning does not run: no --cluster-signing-cert-file and --cluster-signing-key-file");
                    return Optional.empty();
                }
                CertificateAuthority ca = CertificateAuthority.load(o.clusterSigningCertFile(), o.clusterSigningKeyFile());
                CsrSigningController s = new CsrSigningController(c.informers(), ca, o.clusterSigningDuration(),
                        c.registry(), c.clock());
                return of(s::run, s::close);
            }),
            new Descriptor("tokencleaner", "token-cleaner-controller", false, List.of(), c -> {
                TokenCleaner t = new TokenCleaner(c.informers(), c.registry(), c.clock());
                return of(t::run, t::close);
            }),
            new Descriptor("resourcequota", "resourcequota-controller", false, List.of(), c -> {
                ResourceQuotaController r = new ResourceQuotaController(c.informers(), c.registry());
                // kube-controller-manager's --concurrent-resource-quota-syncs default
                return of(() -> r.run(5), r::close);
            }),
            new Descriptor("serviceaccount", "serviceaccount-controller", false, List.of(), c -> {
                ServiceAccountsController s = new ServiceAccountsController(c.informers(), c.registry());
                return of(s::run, s::close);
            }),
            new Descriptor("root-ca-cert-publisher", "root-ca-certificate-publisher-controller", false, List.of(), c -> {
                String rootCa = ClientRootCa.pem(c.informers().client());
                if (rootCa == null) {
                    log.info("root-ca-cert-publisher does not run: the client configuration has no CA");
                    return Optional.empty();
                }
                RootCaPublisher p = new RootCaPublisher(c.informers(), rootCa, c.registry());
                return of(p::run, p::close);
            }),
            new Descriptor("persistentvolume-binder", "persistentvolume-binder-controller", false, List.of(), c -> {
                PersistentVolumeController p = new PersistentVolumeController(c.informers(), c.registry());
                return of(() -> p.run(2), p::close);
            }),
            new Descriptor("pvc-protection", "persistentvolumeclaim-protection-controller", false, List.of(), c -> {
                PvcProtectionController p = new PvcProtectionController(c.informers(), c.registry());
                return of(p::run, p::close);
            }),
            new Descriptor("pv-protection", "persistentvolume-protection-controller", false, List.of(), c -> {
                PvProtectionController p = new PvProtectionController(c.informers(), c.registry());
                return of(p::run, p::close);
            }),
            new Descriptor("horizontalpodautoscaling", "horizontal-pod-autoscaler-controller", false, List.of(), c -> {
                HorizontalPodAutoscalerController h = new HorizontalPodAutoscalerController(c.informers(), c.registry(),
                        c.clock(), null, HorizontalPodAutoscalerController.defaultSyncPeriod());
                // kube-controller-manager's --concurrent-horizontal-pod-autoscaler-syncs default
                return of(() -> h.run(5), h::close);
            }));

    /** The --controllers names, in start order. */
    public static List<String> names() {
        return ALL.stream().map(Descriptor::name).toList();
    }

    /** The descriptor whose name or alias is {@code name}. */
    public static Optional<Descriptor> byName(String name) {
        return ALL.stream().filter(d -> d.name().equals(name) || d.alias().equals(name)).findFirst();
    }

    /** Every kind the garbage collector watches (the base kinds and each controller's), with its informer. */
    public static Map<String, SharedIndexInformer<? extends HasMetadata>> garbageCollectedInformers(
            SharedInformers informers) {
        List<GcKind> kinds = new ArrayList<>(BASE_GC_KINDS);
        ALL.forEach(d -> kinds.addAll(d.kinds()));
        Map<String, SharedIndexInformer<? extends HasMetadata>> out = new LinkedHashMap<>();
        for (GcKind k : kinds) {
            out.putIfAbsent(k.kind(), k.informer().apply(informers));
        }
        return out;
    }
}
