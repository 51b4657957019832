package dev.keelson.dns;

import dev.keelson.componentbase.controller.Informers;
import dev.keelson.componentbase.net.Ipv4;
import dev.keelson.componentbase.net.ResolvConf;
import dev.keelson.componentbase.server.HealthServer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's cluster DNS server, run by `keelson server` and every `keelson agent`: informers of Services,
 * EndpointSlices and Pods feed a {@link ClusterZone} (rebuilt on a single thread after each burst of changes),
 * a {@link DnsServer} answers from it on UDP and TCP, other names go to the node's upstream resolvers. By default it
 * listens on the node's pod-bridge gateway (the first address of the Node's podCIDR), the address the kube-dns
 * Service's endpoint for this node names; it binds as soon as the kubelet has made the bridge.
 */
public final class ClusterDns implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterDns.class);
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(120);

    /**
     * @param listenAddress null: the node's pod-bridge gateway
     * @param port 53; 0 picks a free port (tests)
     * @param metricsPort 9153 as CoreDNS; 0 a free port; negative none
     * @param upstreams {@code host} or {@code host:port}; empty: the nameservers of {@code resolvConf}
     */
    public record Options(String nodeName, String clusterDomain, long ttl, String listenAddress, int port,
                          int metricsPort, List<String> upstreams, Path resolvConf, int cacheSize,
                          Duration upstreamTimeout) {
        public static Options defaults(String nodeName) {
            return new Options(nodeName, "cluster.local", 30, null, 53, 9153, List.of(), Path.of("/etc/resolv.conf"),
                    10_000, Duration.ofSeconds(2));
        }

        public Options withListen(String address, int port, int metricsPort) {
            return new Options(nodeName, clusterDomain, ttl, address, port, metricsPort, upstreams, resolvConf,
                    cacheSize, upstreamTimeout);
        }

        public Options withUpstreams(List<String> servers) {
            return new Options(nodeName, clusterDomain, ttl, listenAddress, port, metricsPort, List.copyOf(servers),
                    resolvConf, cacheSize, upstreamTimeout);
        }

        public Options withResolvConf(Path file) {
            return new Options(nodeName, clusterDomain, ttl, listenAddress, port, metricsPort, upstreams, file,
                    cacheSize, upstreamTimeout);
        }

        public Options withClusterDomain(String domain) {
            return new Options(nodeName, domain, ttl, listenAddress, port, metricsPort, upstreams, resolvConf,
                    cacheSize, upstreamTimeout);
        }
    }

    private final KubernetesClient client;
    private final Options options;
    private final Vertx vertx;
    private final DnsMetrics metrics = new DnsMetrics();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keelson-dns");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean rebuildQueued = new AtomicBoolean();
    private volatile ClusterZone zone;
    private volatile DnsServer server;
    private volatile HealthServer metricsServer;
    private volatile boolean closed;
    private UpstreamResolver upstream;
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<EndpointSlice> slices;
    private SharedIndexInformer<Pod> pods;

    public ClusterDns(KubernetesClient client, Vertx vertx, Options options) {
        this.client = client;
        this.vertx = vertx;
        this.options = options;
        this.zone = ClusterZone.empty(options.clusterDomain(), options.ttl());
    }

    /** Starts the informers and waits for their first list, then serves (now, or once the pod bridge exists). */
    public ClusterDns start() throws InterruptedException {
        ResourceEventHandler<Object> changed = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                queueRebuild();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                queueRebuild();
            }

            @Override
            public void onDelete(Object obj, boolean unknown) {
                queueRebuild();
            }
        };
        services = client.services().inAnyNamespace().runnableInformer(0);
        slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
        for (SharedIndexInformer<?> informer : List.of(services, slices, pods)) {
            @SuppressWarnings("unchecked")
            SharedIndexInformer<Object> i = (SharedIndexInformer<Object>) informer;
            i.addEventHandler(changed);
            informers.add(informer);
        }
        Informers.startAndWaitForSync(informers, SYNC_TIMEOUT);
        rebuild();
        List<InetSocketAddress> servers = upstreamServers(options);
        log.info("cluster DNS for {}: upstream resolvers {}", options.clusterDomain(), servers);
        upstream = new UpstreamResolver(vertx, servers, options.upstreamTimeout(),
                new ResponseCache(options.cacheSize()), metrics).start();
        if (options.listenAddress() != null) {
            bind(options.listenAddress());
        } else {
            worker.execute(this::bindOnPodGateway);
        }
        return this;
    }

    /** The server's UDP/TCP port, or -1 until it listens. */
    public int port() {
        DnsServer s = server;
        return s == null ? -1 : s.port();
    }

    public DnsMetrics metrics() {
        return metrics;
    }

    /** Upstream servers: the flag's, else the resolv.conf nameservers (port 53). */
    static List<InetSocketAddress> upstreamServers(Options options) {
        List<String> named = options.upstreams().isEmpty()
                ? ResolvConf.read(options.resolvConf()).nameservers() : options.upstreams();
        List<InetSocketAddress> out = new ArrayList<>();
        for (String s : named) {
            String host = s;
            int port = 53;
            int colon = s.lastIndexOf(':');
            if (colon > 0 && s.indexOf(':') == colon) {
                host = s.substring(0, colon);
                port = Integer.parseInt(s.substring(colon + 1));
            }
            if (ClusterZone.literal(host) == null) {
                throw new IllegalArgumentException("upstream DNS server is not an IP address: " + s);
            }
            out.add(new InetSocketAddress(host, port));
        }
        return out;
    }

    private void queueRebuild() {
        if (rebuildQueued.compareAndSet(false, true) && !closed) {
            worker.execute(() -> {
                rebuildQueued.set(false);
                rebuild();
            });
        }
    }

    private void rebuild() {
        try {
            zone = ClusterZone.build(options.clusterDomain(), options.ttl(), services.getStore().list(),
                    slices.getStore().list(), pods.getStore().list());
        } catch (RuntimeException e) {
            log.error("cannot rebuild the cluster DNS zone; answering from the previous one", e);
        }
    }

    /** Waits for the Node's podCIDR and the kubelet's bridge, retrying every 2 s. */
    private void bindOnPodGateway() {
        if (closed || server != null) {
            return;
        }
        String gateway = null;
        try {
            Node node = client.nodes().withName(options.nodeName()).get();
            String cidr = node == null || node.getSpec() == null ? null : node.getSpec().getPodCIDR();
            if (cidr != null) {
                gateway = Ipv4.format(Ipv4.Cidr.parse(cidr).address(1));
                bind(gateway);
                return;
            }
        } catch (RuntimeException e) {
            log.debug("cluster DNS cannot listen on {} yet: {}", gateway, e.getMessage());
        }
        worker.schedule(this::bindOnPodGateway, 2, TimeUnit.SECONDS);
    }

    private synchronized void bind(String address) {
        DnsAnswerer answerer = new DnsAnswerer(() -> zone, upstream, metrics);
        DnsServer s = new DnsServer(vertx, answerer);
        try {
            s.listen(address, options.port()).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + address + ":" + options.port() + ": " + e.getMessage(), e);
        }
        if (options.metricsPort() >= 0) {
            metricsServer = HealthServer.start(vertx, address, options.metricsPort(), metrics.registry(), () -> true);
        }
        server = s;
        log.info("cluster DNS listening on {}:{} (UDP and TCP)", address, s.port());
        if (closed) {
            close();
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.shutdownNow();
        informers.forEach(SharedIndexInformer::close);
        if (server != null) {
            server.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }
}
