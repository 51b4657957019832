package dev.keelson.controllermanager;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.leader.LeaderElection;
import dev.keelson.componentbase.server.HealthServer;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.controllermanager.certificates.CsrApprovingController;
import dev.keelson.controllermanager.certificates.CsrSigningController;
import dev.keelson.controllermanager.certificates.TokenCleaner;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.deployment.DeploymentController;
import dev.keelson.controllermanager.endpoint.EndpointSliceController;
import dev.keelson.controllermanager.endpoint.EndpointsController;
import dev.keelson.controllermanager.garbagecollector.GarbageCollector;
import dev.keelson.controllermanager.namespace.NamespaceController;
import dev.keelson.controllermanager.nodeipam.NodeIpamController;
import dev.keelson.controllermanager.nodelifecycle.NodeLifecycleController;
import dev.keelson.controllermanager.podgc.PodGarbageCollector;
import dev.keelson.controllermanager.replicaset.ReplicaSetController;
import dev.keelson.controllermanager.resourcequota.ResourceQuotaController;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller-manager: runs the enabled reconcile loops over one set of shared informers, behind leader
 * election so that of several instances only one acts, and serves /healthz and /metrics. A leader that loses
 * its lease stops every controller and campaigns again with fresh caches.
 */
public final class ControllerManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControllerManager.class);

    /** A running controller: how to start its workers (blocking until caches sync) and how to stop it. */
    private interface Running extends AutoCloseable {
        void run() throws InterruptedException;

        @Override
        void close();
    }

    private final KubernetesClient client;
    private final ControllerManagerOptions options;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private HealthServer healthServer;
    private LeaderElection election;
    private SharedInformers informers;
    private final List<Running> running = new ArrayList<>();
    private Thread starter;
    private volatile boolean leading;
    private volatile boolean closed;

    public ControllerManager(KubernetesClient client, ControllerManagerOptions options) {
        this.client = client;
        this.options = options;
    }

    /** Serves /healthz and /metrics and starts campaigning (or, without leader election, the controllers). */
    public synchronized void start() {
        if (options.common().securePort() >= 0) {
            healthServer = HealthServer.start(VertxHolder.get(), options.common().bindAddress(),
                    options.common().securePort(), registry, () -> !closed);
        }
        if (options.common().leaderElect()) {
            campaign();
        } else {
            startControllers();
        }
    }

    private synchronized void campaign() {
        if (closed) {
            return;
        }
        election = LeaderElection.start(client, options.common().election(options.identity()),
                this::startControllers, this::lostLease);
    }

    private void lostLease() {
        log.warn("{} lost the lease {}/{}: stopping controllers", options.identity(),
                options.common().leaseNamespace(), options.common().leaseName());
        stopControllers();
        new Thread(this::campaign, "controller-manager-recampaign").start();
    }

    /** Builds every enabled controller (so all handlers and indexes exist before any informer starts), then runs them. */
    private synchronized void startControllers() {
        if (closed || leading) {
            return;
        }
        leading = true;
        informers = new SharedInformers(client);
        List<Running> created = new ArrayList<>();
        // started in this order: node IPAM first, since a new node's pod network waits for its podCIDR
        if (options.enabled("nodeipam")) {
            NodeIpamController c = new NodeIpamController(informers, options.clusterCidr(), options.nodeCidrMaskSize(),
                    registry);
            created.add(running(c::run, c::close));
        }
        if (options.enabled("replicaset")) {
            ReplicaSetController c = new ReplicaSetController(informers, registry);
            created.add(running(() -> c.run(options.concurrentReplicaSetSyncs()), c::close));
        }
        if (options.enabled("deployment")) {
            DeploymentController c = new DeploymentController(informers, registry);
            created.add(running(() -> c.run(options.concurrentDeploymentSyncs()), c::close));
        }
        if (options.enabled("garbagecollector")) {
            GarbageCollector c = new GarbageCollector(informers, registry);
            created.add(running(() -> c.run(options.concurrentGcSyncs()), c::close));
        }
        if (options.enabled("namespace")) {
            NamespaceController c = new NamespaceController(informers, registry);
            created.add(running(() -> c.run(options.concurrentNamespaceSyncs()), c::close));
        }
        if (options.enabled("nodelifecycle")) {
            NodeLifecycleController c = new NodeLifecycleController(informers, new NodeLifecycleController.Options(
                    options.nodeMonitorGracePeriod(), options.nodeMonitorPeriod(), options.nodeEvictionRate(),
                    options.secondaryNodeEvictionRate(), options.unhealthyZoneThreshold(),
                    options.largeClusterSizeThreshold()), registry);
            created.add(running(c::run, c::close));
        }
        if (options.enabled("endpoint")) {
            EndpointsController c = new EndpointsController(informers, options.endpointUpdatesBatchPeriod(), registry);
            created.add(running(() -> c.run(options.concurrentEndpointSyncs()), c::close));
        }
        if (options.enabled("endpointslice")) {
            EndpointSliceController c = new EndpointSliceController(informers, options.endpointUpdatesBatchPeriod(),
                    registry);
            created.add(running(() -> c.run(options.concurrentEndpointSliceSyncs()), c::close));
        }
        if (options.enabled("podgc")) {
            PodGarbageCollector c = new PodGarbageCollector(informers,
                    PodGarbageCollector.Options.withThreshold(options.terminatedPodGcThreshold()), registry);
            created.add(running(c::run, c::close));
        }
        if (options.enabled("csrapproving")) {
            CsrApprovingController c = new CsrApprovingController(informers, registry, Clock.systemUTC());
            created.add(running(c::run, c::close));
        }
        if (options.enabled("csrsigning") && options.clusterSigningCertFile() != null) {
            CertificateAuthority ca = CertificateAuthority.load(options.clusterSigningCertFile(),
                    options.clusterSigningKeyFile());
            CsrSigningController c = new CsrSigningController(informers, ca, options.clusterSigningDuration(), registry,
                    Clock.systemUTC());
            created.add(running(c::run, c::close));
        } else if (options.enabled("csrsigning")) {
            log.info("csrsigning does not run: no --cluster-signing-cert-file and --cluster-signing-key-file");
        }
        if (options.enabled("tokencleaner")) {
            TokenCleaner c = new TokenCleaner(informers, registry, Clock.systemUTC());
            created.add(running(c::run, c::close));
        }
        if (options.enabled("resourcequota")) {
            ResourceQuotaController c = new ResourceQuotaController(informers, registry);
            // kube-controller-manager's --concurrent-resource-quota-syncs default
            created.add(running(() -> c.run(5), c::close));
        }
        running.addAll(created);
        // each controller waits for its own caches on its own thread: one that cannot sync (an informer stuck on a
        // bad object, an API that fails) must not keep the others from starting
        starter = new Thread(() -> {
            List<Thread> starts = new ArrayList<>();
            for (Running r : created) {
                Thread t = new Thread(() -> {
                    try {
                        r.run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        log.error("controller failed to start: {}", e.getMessage(), e);
                    }
                }, "controller-manager-start-" + starts.size());
                t.setDaemon(true);
                t.start();
                starts.add(t);
            }
            try {
                for (Thread t : starts) {
                    t.join();
                }
            } catch (InterruptedException e) {
                starts.forEach(Thread::interrupt);
                Thread.currentThread().interrupt();
                return;
            }
            log.info("controller-manager {} runs controllers {}", options.identity(), options.enabledControllers());
        }, "controller-manager-start");
        starter.setDaemon(true);
        starter.start();
    }

    private static Running running(Starter start, Runnable stop) {
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

    @FunctionalInterface
    private interface Starter {
        void run() throws InterruptedException;
    }

    private synchronized void stopControllers() {
        if (starter != null) {
            starter.interrupt();
        }
        running.forEach(Running::close);
        running.clear();
        if (informers != null) {
            informers.close();
            informers = null;
        }
        leading = false;
    }

    /** True while this instance holds the lease (always true without leader election once started). */
    public boolean isLeader() {
        return leading;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /** The port /healthz and /metrics are served on, or -1. */
    public int healthPort() {
        return healthServer == null ? -1 : healthServer.actualPort();
    }

    @Override
    public void close() {
        LeaderElection e;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            e = election;
        }
        stopControllers();
        if (e != null) {
            e.close();
        }
        if (healthServer != null) {
            healthServer.close();
        }
    }
}
