package dev.keelson.kubelet;

import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.images.ImagePuller;
import dev.keelson.kubelet.network.PodNetwork;
import dev.keelson.kubelet.node.NodeLeaseRenewer;
import dev.keelson.kubelet.node.NodeStatusReporter;
import dev.keelson.kubelet.pod.PodStartTraces;
import dev.keelson.kubelet.pod.PodSyncer;
import dev.keelson.kubelet.pod.PodWorkers;
import dev.keelson.kubelet.probe.ProbeManager;
import dev.keelson.kubelet.probe.Prober;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.docker.DockerRuntime;
import dev.keelson.kubelet.server.KubeletServer;
import dev.keelson.kubelet.volume.ClaimVolumes;
import dev.keelson.kubelet.volume.LocalPathProvisioner;
import dev.keelson.kubelet.volume.VolumeManager;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: registers the Node and keeps its status and Lease fresh, watches the pods bound to it and runs
 * them on Docker (one worker per pod), and serves logs and exec. {@code keelson kubelet} and {@code keelson server}
 * both run it.
 */
public final class Kubelet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Kubelet.class);

    private final KubernetesClient client;
    private final KubeletOptions options;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ContainerRuntime runtime;
    private final PodNetwork network;
    /** The last pod network conflict reported as an Event (read and written by the timer thread only). */
    private String networkProblem;
    private final EventRecorder events;
    private final LocalPathProvisioner localPath;
    private final ProbeManager probes;
    private final PodSyncer syncer;
    private final PodStartTraces startTraces = new PodStartTraces(metrics);
    private final PodWorkers workers;
    private final ExecutorService pool;
    private final ExecutorService sidePool;
    private final ScheduledExecutorService timers;
    private final Map<String, Pod> podsByUid = new ConcurrentHashMap<>();
    private final Map<String, String> uidByName = new ConcurrentHashMap<>();
    private final String nodeIp;
    private final NodeStatusReporter nodeStatus;
    private final NodeLeaseRenewer lease;
    private volatile boolean runtimeUp;
    private volatile String runtimeVersion;
    private volatile String runtimeError = "not checked yet";
    private volatile Node node;
    private SharedIndexInformer<Pod> informer;
    private KubeletServer server;
    private java.io.Closeable containerExits;
    private volatile boolean closed;

    public Kubelet(KubernetesClient client, KubeletOptions options) {
        this.client = client;
        this.options = options;
        this.nodeIp = options.nodeIp() != null ? options.nodeIp() : defaultNodeIp();
        this.runtime = new DockerRuntime(options.dockerEndpoint(), options.nodeName(), metrics);
        this.network = new PodNetwork(runtime, options.nodeName());
        this.events = EventRecorder.builder("kubelet").host(options.nodeName()).instance(options.nodeName())
                .aggregateRepeats().flushOnClose(Duration.ofSeconds(5)).build(client);
        AtomicInteger n = new AtomicInteger();
        // up to 32 pods sync at once; a worker idle for 30 s exits, so a node whose pods are all running does not
        // keep 32 threads' stacks resident (a few MB of the agent's RSS)
        ThreadPoolExecutor workerPool = new ThreadPoolExecutor(32, 32, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> daemon(r, "kubelet-pod-worker-" + n.incrementAndGet()));
        workerPool.allowCoreThreadTimeOut(true);
        this.pool = workerPool;
        this.sidePool = Executors.newCachedThreadPool(r -> daemon(r, "kubelet-side-task"));
        this.timers = Executors.newScheduledThreadPool(2, r -> daemon(r, "kubelet-timer"));
        java.util.function.BiFunction<String, String, io.fabric8.kubernetes.api.model.ConfigMap> configMapLookup =
                (ns, name) -> client.configMaps().inNamespace(ns).withName(name).get();
        java.util.function.BiFunction<String, String, io.fabric8.kubernetes.api.model.Secret> secretLookup =
                (ns, name) -> client.secrets().inNamespace(ns).withName(name).get();
        VolumeManager volumes = new VolumeManager(options.rootDir(), configMapLookup, secretLookup,
                new dev.keelson.kubelet.volume.ProjectedVolumes(configMapLookup, secretLookup,
                        dev.keelson.kubelet.volume.ServiceAccountTokens.of(client)),
                new ClaimVolumes((ns, name) -> client.persistentVolumeClaims().inNamespace(ns).withName(name).get(),
                        name -> client.persistentVolumes().withName(name).get()));
        this.localPath = new LocalPathProvisioner(client, options.nodeName(), options.rootDir().resolve("storage"),
                events);
        Prober prober = new Prober(runtime);
        this.probes = new ProbeManager(prober, events, this::enqueue);
        ImagePuller images = new ImagePuller(runtime, client, events);
        this.syncer = new PodSyncer(client, options, runtime, network, images, volumes, probes, events, prober, () -> nodeIp,
                sidePool, metrics, startTraces);
        this.workers = new PodWorkers(syncer, podsByUid::get, pool, timers);
        String hostname;
        try {
            hostname = InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            hostname = options.nodeName();
        }
        this.nodeStatus = new NodeStatusReporter(client, options.nodeName(), nodeIp, hostname, options.rootDir().toString(),
                options.systemReserved(), options.kubeReserved(), options.maxPods());
        this.lease = new NodeLeaseRenewer(client, options.nodeName());
        Gauge.builder("kubelet_running_pods", syncer, PodSyncer::runningPods).description("pods with a running container")
                .register(metrics);
        Gauge.builder("kubelet_running_containers", syncer, PodSyncer::runningContainerCount)
                .description("running app containers").register(metrics);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public KubeletOptions options() {
        return options;
    }

    public String nodeIp() {
        return nodeIp;
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    /** Serves the (rotated) certificate now in the --tls-cert-file/--tls-private-key-file paths, without a restart. */
    public void reloadServingCertificate() {
        server.reloadTls(options.tlsCertFile(), options.tlsKeyFile());
    }

    /** The kubelet server's port (useful when the options asked for 0). */
    public int port() {
        return server.port();
    }

    /** Where the last pods' first starts spent their time (benchmarks read it; /metrics has it as histograms). */
    public PodStartTraces startTraces() {
        return startTraces;
    }

    public PodNetwork network() {
        return network;
    }

    public void start() {
        java.nio.file.Path root = options.rootDir();
        try {
            java.nio.file.Files.createDirectories(root);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create kubelet root dir " + root + ": " + e.getMessage(), e);
        }
        checkRuntime();
        server = new KubeletServer(VertxHolder.get(), runtime, this::podByName, metrics, () -> runtimeUp)
                .withStats(new dev.keelson.kubelet.stats.StatsRoutes(VertxHolder.get(), new dev.keelson.kubelet.stats.StatsCollector(
                        runtime, dev.keelson.kubelet.stats.CgroupReader.host(), java.nio.file.Path.of("/proc"),
                        options.nodeName(), root)));
        server.start(options.bindAddress(), options.port(), options.tlsCertFile(), options.tlsKeyFile(), options.clientCaFile());
        node = nodeStatus.register(health());
        lease.renew(node);
        timers.scheduleWithFixedDelay(this::heartbeat, 10, 10, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(this::watchPodCidr, 0, 500, TimeUnit.MILLISECONDS);
        followContainerExits();
        if (runtimeUp) {
            try {
                syncer.containersAtStart(runtime.containersByPod().keySet());
            } catch (RuntimeException e) {
                log.warn("cannot list this node's containers (every pod sync lists them): {}", e.getMessage());
            }
        }

        informer = client.pods().inAnyNamespace().withField("spec.nodeName", options.nodeName())
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                        startTraces.seen(pod);
                        put(pod);
                    }

                    @Override
                    public void onUpdate(Pod oldPod, Pod newPod) {
                        // Our own status writes come back as updates: only spec or deletion changes need a sync.
                        podsByUid.put(newPod.getMetadata().getUid(), newPod);
                        if (!Objects.equals(oldPod.getSpec(), newPod.getSpec())
                                || !Objects.equals(oldPod.getMetadata().getDeletionTimestamp(),
                                        newPod.getMetadata().getDeletionTimestamp())
                                || !Objects.equals(oldPod.getMetadata().getUid(), newPod.getMetadata().getUid())) {
                            put(newPod);
                        }
                    }

                    @Override
                    public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                        String uid = pod.getMetadata().getUid();
                        podsByUid.remove(uid);
                        uidByName.remove(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), uid);
                        enqueue(uid);
                    }
                }, 0);
        timers.scheduleWithFixedDelay(this::housekeeping, 10, 10, TimeUnit.SECONDS);
        localPath.start();
        log.info("kubelet for node {} started (InternalIP {}, server port {})", options.nodeName(), nodeIp, server.port());
    }

    private void put(Pod pod) {
        String uid = pod.getMetadata().getUid();
        podsByUid.put(uid, pod);
        uidByName.put(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), uid);
        enqueue(uid);
    }

    private void enqueue(String uid) {
        workers.enqueue(uid);
    }

    private Pod podByName(String namespace, String name) {
        String uid = uidByName.get(namespace + "/" + name);
        return uid == null ? null : podsByUid.get(uid);
    }

    private NodeStatusReporter.Health health() {
        return new NodeStatusReporter.Health(runtimeUp, runtimeVersion, runtimeError, server.port());
    }

    private void checkRuntime() {
        try {
            runtimeVersion = runtime.version();
            if (!runtimeUp) {
                log.info("Docker Engine {} answers at {}", runtimeVersion, options.dockerEndpoint());
            }
            runtimeUp = true;
            runtimeError = null;
        } catch (RuntimeException e) {
            if (runtimeUp || runtimeError == null || runtimeError.equals("not checked yet")) {
                log.warn("Docker Engine at {} does not answer: {}", options.dockerEndpoint(), ContainerRuntime.rootMessage(e));
            }
            runtimeUp = false;
            runtimeError = ContainerRuntime.rootMessage(e);
        }
    }

    private void heartbeat() {
        if (closed) {
            return;
        }
        try {
            boolean wasUp = runtimeUp;
            checkRuntime();
            node = nodeStatus.report(health());
            lease.renew(node);
            if (!wasUp && runtimeUp) {
                followContainerExits();
                podsByUid.keySet().forEach(this::enqueue);
            }
        } catch (RuntimeException e) {
            log.warn("node heartbeat failed: {}", e.getMessage());
        }
    }

    /** Waits for the node IPAM to assign spec.podCIDR, then builds the pod network and wakes every pod. */
    private void watchPodCidr() {
        if (closed || !runtimeUp) {
            return;
        }
        try {
            Node current = client.nodes().withName(options.nodeName()).get();
            String cidr = current == null || current.getSpec() == null ? null : current.getSpec().getPodCIDR();
            if (cidr == null || cidr.equals(network.cidr())) {
                return;
            }
            try {
                network.ensure(cidr);
            } catch (PodNetwork.ConflictException e) {
                // retried every 500 ms: one Event per distinct problem, not one per attempt
                if (!e.getMessage().equals(networkProblem)) {
                    networkProblem = e.getMessage();
                    log.warn("cannot set up the pod network: {}", e.getMessage());
                    events.warning(current, "PodNetworkConflict", e.getMessage());
                }
                return;
            }
            networkProblem = null;
            podsByUid.keySet().forEach(this::enqueue);
        } catch (RuntimeException e) {
            log.warn("cannot set up the pod network: {}", e.getMessage());
        }
    }

    /** Container exits (and OOMs) wake the pod's worker at once instead of at the next periodic sync. */
    private void followContainerExits() {
        if (containerExits != null) {
            try {
                containerExits.close();
            } catch (java.io.IOException ignored) {
                // replaced below
            }
        }
        try {
            containerExits = runtime.watchContainerExits(this::enqueue);
        } catch (RuntimeException e) {
            log.warn("cannot follow container exits (pods resync every 10 s instead): {}", e.getMessage());
        }
    }

    /** Removes containers of pods that no longer exist and resyncs idle pods (once the informer has the full list). */
    private void housekeeping() {
        if (closed || !runtimeUp || informer == null || !informer.hasSynced()) {
            return;
        }
        try {
            Set<String> known = Collections.unmodifiableSet(podsByUid.keySet());
            for (String uid : runtime.containersByPod().keySet()) {
                if (!known.contains(uid)) {
                    enqueue(uid);
                }
            }
            known.forEach(workers::resync);
        } catch (RuntimeException e) {
            log.warn("housekeeping failed: {}", e.getMessage());
        }
    }

    static String defaultNodeIp() {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                String name = nif.getName();
                if (!nif.isUp() || nif.isLoopback() || name.startsWith("docker") || name.startsWith("br-")
                        || name.startsWith("veth") || name.startsWith("kbr")) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException e) {
            log.warn("cannot list network interfaces: {}", e.getMessage());
        }
        return "127.0.0.1";
    }

    /** Stops watching and serving; the node's containers keep running so that a new kubelet adopts them. */
    @Override
    public void close() {
        closed = true;
        localPath.close();
        if (informer != null) {
            informer.close();
        }
        workers.close();
        timers.shutdownNow();
        if (containerExits != null) {
            try {
                containerExits.close();
            } catch (java.io.IOException ignored) {
                // shutting down
            }
        }
        probes.close();
        if (server != null) {
            server.close();
        }
        pool.shutdown();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sidePool.shutdownNow();
        events.close();
        runtime.close();
        log.info("kubelet for node {} stopped", options.nodeName());
    }
}
