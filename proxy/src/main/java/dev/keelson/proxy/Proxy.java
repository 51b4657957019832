package dev.keelson.proxy;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.server.HealthServer;
import dev.keelson.proxy.routes.PodRoutes;
import dev.keelson.proxy.rules.RuleSet;
import dev.keelson.proxy.rules.ServiceCatalog;
import dev.keelson.proxy.rules.ServicePortInfo;
import dev.keelson.proxy.rules.ServiceRuleWriter;
import dev.keelson.proxy.rules.StaleUdpFlow;
import dev.keelson.proxy.system.CommandRunner;
import dev.keelson.proxy.system.Conntrack;
import dev.keelson.proxy.system.Iptables;
import dev.keelson.proxy.system.RuleApplier;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's service proxy: watches Services, EndpointSlices and Nodes, and on a single worker thread keeps
 * the node's iptables rules and pod routes equal to what they describe. Rules left by an earlier proxy are
 * taken over in place (rewritten atomically, never flushed first), so a restart opens no window. As kube-proxy's
 * iptables mode, a sync between periodic resyncs writes only the chains of the services whose Service or
 * EndpointSlices changed since the last successful sync (known from the informer events), and edits the dispatch
 * chains rule by rule; the periodic resync reads the tables and rewrites only the chains that differ.
 */
public final class Proxy implements AutoCloseable {
    static final String TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);
    /** Syncs that may start back to back after a quiet spell, as kube-proxy's burstSyncs. */
    static final int BURST_SYNCS = 2;

    private final KubernetesClient client;
    private final ProxyOptions options;
    private final Clock clock = Clock.systemUTC();
    private final ServiceRuleWriter writer;
    private final RuleApplier applier;
    private final Conntrack conntrack;
    private final PodRoutes podRoutes;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final ProxyHealth health;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keelson-proxy-sync");
        t.setDaemon(true);
        return t;
    });
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final List<HealthServer> servers = new ArrayList<>();

    private SharedIndexInformer<Node> nodes;

    // guarded by this
    private boolean syncScheduled;
    private boolean fullSyncWanted = true;
    private boolean informersSynced;
    private long lastSyncStartNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
    private final SyncSlots syncSlots;
    private List<Instant> pendingTriggers = new ArrayList<>();
    private Set<String> changedServices = new HashSet<>();
    // The proxy's own copies, changed in the same critical section as changedServices: a sync's snapshot and its
    // changed set then always agree, which the informer store, updated before handlers run, cannot promise.
    private final Map<String, Service> serviceObjects = new HashMap<>();
    private final Map<String, EndpointSlice> sliceObjects = new HashMap<>();
    private int consecutiveFailures;

    // touched only by the worker thread
    private List<ServicePortInfo> lastServicePorts = List.of();
    private Map<String, String> lastRoutes;

    public Proxy(KubernetesClient client, ProxyOptions options) {
        this.client = client;
        this.options = options;
        CommandRunner runner = new CommandRunner(options.commandPrefix());
        this.writer = new ServiceRuleWriter(options.nodeName(), options.clusterCidr());
        this.applier = new RuleApplier(new Iptables(runner));
        this.conntrack = new Conntrack(runner);
        this.podRoutes = new PodRoutes(runner);
        this.health = new ProxyHealth(clock, options.healthTimeout());
        this.syncSlots = new SyncSlots(options.minSyncPeriod().toNanos(), BURST_SYNCS, System.nanoTime());
    }

    /** Lists and watches (blocking until the caches are filled), programs the node, then serves health. */
    public void start() {
        SharedIndexInformer<Service> services = inform(client.services().inAnyNamespace()
                .inform(handler(this::serviceChanged), 0));
        SharedIndexInformer<EndpointSlice> slices = inform(client.discovery().v1().endpointSlices()
                .inAnyNamespace().inform(handler(this::sliceChanged), 0));
        nodes = inform(client.nodes().inform(handler(this::nodeChanged), 0));
        synchronized (this) {
            // handlers may still be delivering the initial list; the stores already hold all of it
            services.getStore().list().forEach(s -> serviceObjects.put(key(s), s));
            slices.getStore().list().forEach(s -> sliceObjects.put(key(s), s));
            informersSynced = true;
        }
        requestSync(true);
        long period = options.syncPeriod().toMillis();
        worker.scheduleWithFixedDelay(() -> requestSync(true), period, period, TimeUnit.MILLISECONDS);
        servers.add(HealthServer.start(VertxHolder.get(), options.bindAddress(), options.healthzPort(),
                metrics.registry(), health::healthy));
        servers.add(HealthServer.start(VertxHolder.get(), options.bindAddress(), options.metricsPort(),
                metrics.registry(), health::healthy));
        log.info("proxy for node {} started: healthz on {}, metrics on {}", options.nodeName(), healthzPort(),
                metricsPort());
    }

    public int healthzPort() {
        return servers.get(0).actualPort();
    }

    public int metricsPort() {
        return servers.get(1).actualPort();
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public boolean healthy() {
        return health.healthy();
    }

    /** Stops watching and syncing; the rules stay in place for the next proxy to take over. */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        worker.shutdownNow();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        servers.forEach(HealthServer::close);
    }

    private <T> SharedIndexInformer<T> inform(SharedIndexInformer<T> informer) {
        informers.add(informer);
        return informer;
    }

    private static <T extends HasMetadata> ResourceEventHandler<T> handler(BiConsumer<T, T> changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                changed.accept(null, obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                if (!Objects.equals(oldObj.getMetadata().getResourceVersion(),
                        newObj.getMetadata().getResourceVersion())) {
                    changed.accept(oldObj, newObj);
                }
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                changed.accept(obj, null);
            }
        };
    }

    private static String key(HasMetadata object) {
        return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    }

    private void serviceChanged(Service before, Service after) {
        synchronized (this) {
            if (after != null) {
                serviceObjects.put(key(after), after);
            } else {
                serviceObjects.remove(key(before));
            }
            changedServices.add(key(after != null ? after : before));
        }
        requestSync(false);
    }

    private void nodeChanged(Node before, Node after) {
        requestSync(false);
    }

    private void sliceChanged(EndpointSlice before, EndpointSlice after) {
        synchronized (this) {
            if (informersSynced) {
                pendingTriggers.add(triggerTime(before, after));
            }
            if (after != null) {
                sliceObjects.put(key(after), after);
            } else {
                sliceObjects.remove(key(before));
            }
            // a slice relabelled to another service changes both
            addServiceOf(before);
            addServiceOf(after);
        }
        requestSync(false);
    }

    private void addServiceOf(EndpointSlice slice) {
        if (slice != null && slice.getMetadata().getLabels() != null) {
            String service = slice.getMetadata().getLabels().get(ServiceCatalog.SERVICE_NAME_LABEL);
            if (service != null) {
                changedServices.add(slice.getMetadata().getNamespace() + "/" + service);
            }
        }
    }

    /** When the change that led to this slice happened: the controller's annotation if it set a new one. */
    private Instant triggerTime(EndpointSlice before, EndpointSlice after) {
        String now = annotation(after);
        if (now != null && !now.equals(annotation(before))) {
            try {
                return Instant.parse(now);
            } catch (DateTimeParseException e) {
                log.debug("ignoring unparsable {} {}", TRIGGER_TIME_ANNOTATION, now);
            }
        }
        return clock.instant();
    }

    private static String annotation(EndpointSlice slice) {
        if (slice == null || slice.getMetadata().getAnnotations() == null) {
            return null;
        }
        return slice.getMetadata().getAnnotations().get(TRIGGER_TIME_ANNOTATION);
    }

    /**
     * Coalesces changes: however many events arrive, sync starts are at least a min-sync-period apart, except that
     * up to {@link #BURST_SYNCS} may follow one another after a quiet spell.
     */
    private synchronized void requestSync(boolean full) {
        fullSyncWanted |= full;
        // events of the initial list arrive while the other caches are still empty: wait for all of them
        if (!informersSynced) {
            return;
        }
        health.changeQueued();
        if (syncScheduled || worker.isShutdown()) {
            return;
        }
        syncScheduled = true;
        long waitNanos = syncSlots.waitNanos(System.nanoTime());
        if (consecutiveFailures > 0) {
            long backoff = Math.min(options.minSyncPeriod().toNanos() << Math.min(consecutiveFailures, 10),
                    options.syncPeriod().toNanos());
            waitNanos = Math.max(waitNanos, lastSyncStartNanos + Math.max(backoff, 100_000_000L) - System.nanoTime());
        }
        try {
            worker.schedule(this::runSync, Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            syncScheduled = false;
        }
    }

    private void runSync() {
        boolean full;
        List<Instant> triggers;
        Set<String> changed;
        List<Service> serviceSnapshot;
        List<EndpointSlice> sliceSnapshot;
        Instant started = clock.instant();
        synchronized (this) {
            syncScheduled = false;
            full = fullSyncWanted;
            fullSyncWanted = false;
            triggers = pendingTriggers;
            pendingTriggers = new ArrayList<>();
            changed = changedServices;
            changedServices = new HashSet<>();
            serviceSnapshot = List.copyOf(serviceObjects.values());
            sliceSnapshot = List.copyOf(sliceObjects.values());
            lastSyncStartNanos = System.nanoTime();
            syncSlots.started(lastSyncStartNanos);
        }
        long t0 = System.nanoTime();
        try {
            List<ServicePortInfo> servicePorts = ServiceCatalog.build(serviceSnapshot, sliceSnapshot);
            long t1 = System.nanoTime();
            RuleSet rules = writer.write(servicePorts);
            long t2 = System.nanoTime();
            // A resync's batch of changes is applied first as a partial sync and counted as programmed then, so
            // these changes do not also wait for the tables to be read and compared.
            boolean changesFirst = full && !changed.isEmpty() && applier.knowsTables();
            RuleApplier.Applied applied = applier.apply(rules, changed, full && !changesFirst);
            long t3 = System.nanoTime();
            StaleUdpFlow.between(lastServicePorts, servicePorts).forEach(conntrack::delete);
            lastServicePorts = servicePorts;
            if (!changesFirst) {
                syncRoutes(full);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            Instant done = clock.instant();
            metrics.synced(took, applied.partial(), rules.natRules().size(), rules.filterRules().size(),
                    done.toEpochMilli());
            triggers.forEach(t -> metrics.programmed(Duration.between(t, done)));
            triggers = List.of();
            health.synced(started);
            log.debug("synced {} rules in {} ms ({} services changed, {}, {} restore lines, {} chains repaired; catalog"
                            + " {} ms, rules {} ms, apply {} ms)", rules.ruleCount(), took.toMillis(), changed.size(),
                    applied.kind(), applied.restoreLines(), applied.rewrittenChains(), (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
            if (changesFirst) {
                long r0 = System.nanoTime();
                RuleApplier.Applied checked = applier.apply(rules, Set.of(), true);
                syncRoutes(true);
                Duration resync = Duration.ofNanos(System.nanoTime() - r0);
                metrics.synced(resync, false, rules.natRules().size(), rules.filterRules().size(),
                        clock.millis());
                log.debug("resync after the changes in {} ms: {} restore lines, {} chains repaired", resync.toMillis(),
                        checked.restoreLines(), checked.rewrittenChains());
            }
            synchronized (this) {
                consecutiveFailures = 0;
            }
        } catch (RuntimeException e) {
            metrics.syncFailed();
            synchronized (this) {
                consecutiveFailures++;
                pendingTriggers.addAll(0, triggers);
                changedServices.addAll(changed);
            }
            log.warn("sync failed, retrying: {}", e.getMessage());
            requestSync(true);
        }
    }

    private void syncRoutes(boolean full) {
        Map<String, String> routes = PodRoutes.desired(nodes.getStore().list(), options.nodeName());
        if (full || !routes.equals(lastRoutes)) {
            List<String> problems = podRoutes.sync(routes);
            // a node with an unreachable address must not stop service rules: retried on the next sync
            lastRoutes = problems.isEmpty() ? routes : null;
            problems.forEach(p -> log.warn("pod routes: {}", p));
        }
    }
}
