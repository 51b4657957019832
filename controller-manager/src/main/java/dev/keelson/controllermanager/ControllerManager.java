package dev.keelson.controllermanager;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.leader.LeaderElection;
import dev.keelson.componentbase.server.HealthServer;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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

    private final KubernetesClient client;
    private final ControllerManagerOptions options;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private HealthServer healthServer;
    private LeaderElection election;
    private SharedInformers informers;
    private final List<Controllers.Running> running = new ArrayList<>();
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
        List<Controllers.Running> created = new ArrayList<>();
        Controllers.Context context = new Controllers.Context(informers, options, registry, options.clock());
        for (Controllers.Descriptor d : Controllers.ALL) {
            if (options.enabled(d.name())) {
                d.factory().create(context).ifPresent(created::add);
            }
        }
        running.addAll(created);
        // each controller waits for its own caches on its own thread: one that cannot sync (an informer stuck on a
        // bad object, an API that fails) must not keep the others from starting
        starter = new Thread(() -> {
            List<Thread> starts = new ArrayList<>();
            for (Controllers.Running r : created) {
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

    private synchronized void stopControllers() {
        if (starter != null) {
            starter.interrupt();
        }
        running.forEach(Controllers.Running::close);
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
