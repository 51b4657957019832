package dev.keelson.kubelet.pod;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.KubeletOptions;
import dev.keelson.kubelet.images.ImagePolicy;
import dev.keelson.kubelet.images.ImagePuller;
import dev.keelson.kubelet.network.PodNetwork;
import dev.keelson.kubelet.probe.ProbeManager;
import dev.keelson.kubelet.probe.Prober;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.DockerRuntime;
import dev.keelson.kubelet.volume.VolumeManager;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of one pod: compares the pod's spec with its containers in Docker (found by labels), starts, restarts
 * or stops what differs, and writes the resulting status when it changed. Called serialized per pod.
 */
public final class PodSyncer {
    private static final Logger log = LoggerFactory.getLogger(PodSyncer.class);
    private static final Duration STEADY = Duration.ofSeconds(10);
    private static final Duration SOON = Duration.ofSeconds(1);

    private final KubernetesClient client;
    private final KubeletOptions options;
    private final DockerRuntime docker;
    private final PodNetwork network;
    private final ImagePuller images;
    private final VolumeManager volumes;
    private final ProbeManager probes;
    private final EventRecorder events;
    private final Supplier<String> hostIp;
    private final ExecutorService sidePool;
    private final Prober prober;
    private final MeterRegistry metrics;
    private final PodStartTraces traces;
    private final Backoff crashBackoff = Backoff.crashLoop();
    private final Map<String, JsonNode> lastWritten = new ConcurrentHashMap<>();
    private final Set<String> startRecorded = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> runningContainers = new ConcurrentHashMap<>();
    /** Pods that had containers when this kubelet started; null when that is unknown (then every sync lists). */
    private volatile Set<String> podsWithContainersAtStart;
    private final Set<String> syncedBefore = ConcurrentHashMap.newKeySet();

    public PodSyncer(KubernetesClient client, KubeletOptions options, DockerRuntime docker, PodNetwork network,
                     ImagePuller images, VolumeManager volumes, ProbeManager probes, EventRecorder events,
                     Prober prober, Supplier<String> hostIp, ExecutorService sidePool, MeterRegistry metrics,
                     PodStartTraces traces) {
        this.prober = prober;
        this.client = client;
        this.options = options;
        this.docker = docker;
        this.network = network;
        this.images = images;
        this.volumes = volumes;
        this.probes = probes;
        this.events = events;
        this.hostIp = hostIp;
        this.sidePool = sidePool;
        this.metrics = metrics;
        this.traces = traces;
    }

    /**
     * Tells which pods had containers before this kubelet started, so that the first sync of any other pod skips the
     * Docker list: only this kubelet's syncs of that pod, which run one at a time, can have created containers for it.
     */
    public void containersAtStart(Set<String> podUids) {
        podsWithContainersAtStart = Set.copyOf(podUids);
    }

    /** Pods that have a running container, and how many containers run in all. */
    public int runningPods() {
        return (int) runningContainers.values().stream().filter(n -> n > 0).count();
    }

    public int runningContainerCount() {
        return runningContainers.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * Syncs the pod with this uid; {@code pod} is null when it no longer exists in the API.
     *
     * @return when to sync again even without news, or null when only news should trigger it
     */
    public Duration sync(String uid, Pod pod) {
        if (pod == null) {
            teardown(uid);
            return null;
        }
        traces.sinceSeen(uid, "queue");
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            terminate(pod);
            return null;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            stopAll(uid, docker.podContainers(uid), 0, null);
            runningContainers.remove(uid);
            return null;
        }
        boolean hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        if (!hostNetwork && !network.ready()) {
            return SOON;
        }
        return syncRunning(pod, hostNetwork);
    }

    private Duration syncRunning(Pod pod, boolean hostNetwork) {
        String uid = pod.getMetadata().getUid();
        Instant now = Instant.now();
        Set<String> atStart = podsWithContainersAtStart;
        boolean fresh = syncedBefore.add(uid) && atStart != null && !atStart.contains(uid);
        List<ContainerRecord> all = fresh ? List.of() : traces.time(uid, "list", () -> docker.podContainers(uid));
        ContainerRecord sandbox = all.stream()
                .filter(c -> ContainerLabels.KIND_SANDBOX.equals(c.kind()) && c.running()).findFirst().orElse(null);
        Duration next = STEADY;
        String podWaitingReason = null;
        String podWaitingMessage = null;
        if (sandbox == null) {
            List<ContainerRecord> old = all;
            stopAll(uid, old.stream().filter(c -> !ContainerLabels.KIND_SANDBOX.equals(c.kind())).toList(), 2, null);
            for (ContainerRecord c : old) {
                if (ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                    docker.remove(c.id());
                }
            }
            int attempt = old.stream().filter(c -> ContainerLabels.KIND_SANDBOX.equals(c.kind()))
                    .mapToInt(c -> c.restartCount() + 1).max().orElse(0);
            List<Container> images = new ArrayList<>();
            images.add(pauseContainer());
            if (pod.getSpec().getInitContainers() != null) {
                images.addAll(pod.getSpec().getInitContainers());
            }
            images.addAll(pod.getSpec().getContainers());
            this.images.lookUpAhead(images, sidePool);
            try {
                sandbox = createSandbox(pod, hostNetwork, attempt);
            } catch (RuntimeException e) {
                if (e instanceof dev.keelson.kubelet.runtime.DockerUnavailableException) {
                    throw e;
                }
                podWaitingReason = "ContainerCreating";
                podWaitingMessage = "failed to create pod sandbox: " + DockerRuntime.rootMessage(e);
                events.warning(pod, null, "FailedCreatePodSandBox", podWaitingMessage);
                next = Duration.ofSeconds(5);
            }
            // A new pod has nothing but the sandbox just made; otherwise re-read what stopping changed.
            all = old.isEmpty() && sandbox != null ? List.of(sandbox) : docker.podContainers(uid);
        }
        String podIp = sandbox == null ? null : hostNetwork ? hostIp.get() : sandbox.ipAddress();
        if (hostNetwork && sandbox != null) {
            sandbox = withIp(sandbox, hostIp.get());
        }

        Map<String, List<ContainerRecord>> byName = new HashMap<>();
        for (ContainerRecord c : all) {
            if (!ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                byName.computeIfAbsent(c.kind() + "/" + c.containerName(), k -> new ArrayList<>()).add(c);
            }
        }
        Map<String, java.nio.file.Path> podVolumes = null;
        if (sandbox != null) {
            try {
                podVolumes = traces.time(uid, "volumes", () -> volumes.prepare(pod));
            } catch (ContainerConfigException e) {
                podWaitingReason = "CreateContainerConfigError";
                podWaitingMessage = e.getMessage();
                next = SOON;
            }
        }

        List<ContainerView> initViews = new ArrayList<>();
        List<ContainerView> appViews = new ArrayList<>();
        List<Container> initSpecs = pod.getSpec().getInitContainers() == null ? List.of() : pod.getSpec().getInitContainers();
        boolean initialized = true;
        boolean blocked = sandbox == null || podVolumes == null;
        for (Container spec : initSpecs) {
            List<ContainerRecord> attempts = byName.getOrDefault(ContainerLabels.KIND_INIT + "/" + spec.getName(), List.of());
            if (blocked || !initialized) {
                initViews.add(view(spec, attempts, initialized ? podWaitingReason : null, podWaitingMessage, false, false, pod));
                initialized = false;
                continue;
            }
            ContainerRecord current = attempts.isEmpty() ? null : attempts.get(0);
            if (current != null && current.exited() && current.exitCode() == 0) {
                initViews.add(view(spec, attempts, null, null, false, false, pod));
                continue;
            }
            initialized = false;
            StepResult r = step(pod, spec, ContainerLabels.KIND_INIT, attempts, sandbox, podIp, podVolumes, now, true);
            next = min(next, r.next);
            initViews.add(r.view);
        }
        for (Container spec : pod.getSpec().getContainers()) {
            List<ContainerRecord> attempts = byName.getOrDefault(ContainerLabels.KIND_APP + "/" + spec.getName(), List.of());
            if (blocked || !initialized) {
                appViews.add(view(spec, attempts, blocked ? podWaitingReason : null, blocked ? podWaitingMessage : null,
                        false, false, pod));
                continue;
            }
            StepResult r = step(pod, spec, ContainerLabels.KIND_APP, attempts, sandbox, podIp, podVolumes, now, false);
            next = min(next, r.next);
            appViews.add(r.view);
        }
        long built = System.nanoTime();
        PodStatus status = PodStatusCalculator.build(pod,
                new PodStatusCalculator.Observation(sandbox, initViews, appViews, hostIp.get()), Instant.now());
        traces.span(uid, "status_build", built, System.nanoTime());
        int running = (int) appViews.stream().filter(v -> v.current() != null && v.current().running()).count();
        runningContainers.put(uid, running);
        recordStartLatency(pod, status);
        writeStatus(pod, status);
        return next;
    }

    private record StepResult(ContainerView view, Duration next) {}

    /** Brings one container to its desired state and reports what it looks like afterwards. */
    private StepResult step(Pod pod, Container spec, String kind, List<ContainerRecord> attempts, ContainerRecord sandbox,
                            String podIp, Map<String, Path> podVolumes, Instant now, boolean init) {
        String uid = pod.getMetadata().getUid();
        String fieldPath = (init ? "spec.initContainers{" : "spec.containers{") + spec.getName() + "}";
        ContainerRecord current = attempts.isEmpty() ? null : attempts.get(0);
        String key = uid + "/" + kind + "/" + spec.getName();
        if (current != null && current.running()) {
            if (init) {
                return new StepResult(view(spec, attempts, null, null, false, false, pod), SOON);
            }
            probes.ensure(pod, spec, current.id(), podIp);
            ProbeManager.Results results = probes.results(current.id());
            if (results != null && results.livenessFailed()) {
                events.normal(pod, fieldPath, "Killing", results.livenessMessage());
                docker.stop(current.id(), gracePeriod(pod));
                probes.remove(current.id());
                attempts = docker.podContainers(uid).stream()
                        .filter(c -> kind.equals(c.kind()) && spec.getName().equals(c.containerName())).toList();
                current = attempts.isEmpty() ? null : attempts.get(0);
            } else {
                boolean ready = results == null || results.ready();
                boolean started = results == null || results.started();
                return new StepResult(view(spec, attempts, null, null, ready, started, pod),
                        ready && started ? STEADY : Duration.ofSeconds(5));
            }
        }
        if (current != null && current.exited()) {
            probes.remove(current.id());
            if (!shouldRestart(pod, current, init)) {
                return new StepResult(view(spec, attempts, null, null, false, false, pod), null);
            }
            if (crashBackoff.inBackoffSince(key, current.finishedAt() != null ? current.finishedAt() : current.createdAt(), now)) {
                Duration left = crashBackoff.remaining(key, current.finishedAt() != null ? current.finishedAt() : current.createdAt(), now);
                String msg = "back-off " + crashBackoff.delay(key).toSeconds() + "s restarting failed container="
                        + spec.getName() + " pod=" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace()
                        + "(" + uid + ")";
                events.warning(pod, fieldPath, "BackOff", "Back-off restarting failed container " + spec.getName()
                        + " in pod " + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "(" + uid + ")");
                return new StepResult(view(spec, attempts, "CrashLoopBackOff", msg, false, false, pod),
                        left.plusMillis(100));
            }
            crashBackoff.next(key, now);
        }
        int restartCount = current == null ? 0 : current.restartCount() + 1;
        ImagePuller.Result image = traces.time(uid, "image", () -> images.ensure(pod, spec, fieldPath));
        if (!image.ok()) {
            return new StepResult(view(spec, attempts, image.reason(), image.message(), false, false, pod),
                    image.reason().equals("ErrImagePull") ? SOON : Duration.ofSeconds(2));
        }
        String id;
        try {
            id = traces.time(uid, "create", () -> createContainer(pod, spec, kind, restartCount, sandbox, podIp, podVolumes));
        } catch (ContainerConfigException e) {
            events.warning(pod, fieldPath, "Failed", "Error: " + e.getMessage());
            return new StepResult(view(spec, attempts, "CreateContainerConfigError", e.getMessage(), false, false, pod), SOON);
        }
        events.normal(pod, fieldPath, "Created", "Created container " + spec.getName());
        try {
            traces.time(uid, "start", () -> docker.run("start_container", () -> docker.client().startContainerCmd(id).exec()));
            events.normal(pod, fieldPath, "Started", "Started container " + spec.getName());
        } catch (RuntimeException e) {
            if (e instanceof dev.keelson.kubelet.runtime.DockerUnavailableException) {
                throw e;
            }
            String msg = DockerRuntime.rootMessage(e);
            events.warning(pod, fieldPath, "Failed", "Error: " + msg);
        }
        trimAttempts(attempts);
        List<ContainerRecord> fresh = new ArrayList<>();
        ContainerRecord started = traces.time(uid, "inspect", () -> docker.inspect(id, null));
        if (started != null) {
            fresh.add(started);
        }
        if (current != null) {
            fresh.add(current);
        }
        boolean readyNow = started != null && started.running() && spec.getReadinessProbe() == null && spec.getStartupProbe() == null;
        if (started != null && started.running() && !init) {
            probes.ensure(pod, spec, id, podIp);
        }
        // A running container without probes needs no early look: its exit wakes the worker through a Docker event.
        return new StepResult(view(spec, fresh, null, null, readyNow, readyNow, pod), readyNow ? STEADY : SOON);
    }

    /** Keeps the current and the previous attempt (for lastState and logs --previous); removes older ones. */
    private void trimAttempts(List<ContainerRecord> attempts) {
        for (int i = 1; i < attempts.size(); i++) {
            docker.remove(attempts.get(i).id());
        }
    }

    private static boolean shouldRestart(Pod pod, ContainerRecord exited, boolean init) {
        String policy = pod.getSpec().getRestartPolicy() == null ? "Always" : pod.getSpec().getRestartPolicy();
        if (init) {
            return exited.exitCode() != 0 && !policy.equals("Never");
        }
        return switch (policy) {
            case "Never" -> false;
            case "OnFailure" -> exited.exitCode() != 0;
            default -> true;
        };
    }

    private ContainerView view(Container spec, List<ContainerRecord> attempts, String waitingReason, String waitingMessage,
                               boolean ready, boolean started, Pod pod) {
        ContainerRecord current = attempts.isEmpty() ? null : attempts.get(0);
        String imageId = current != null ? current.imageId() : null;
        String message = null;
        if (current != null && current.exited()) {
            message = terminationMessage(pod, spec, current.restartCount());
        }
        return new ContainerView(spec.getName(), spec.getImage(), imageId, attempts, waitingReason, waitingMessage,
                ready, started, message);
    }

    private Path terminationLog(Pod pod, Container spec, int attempt) {
        return volumes.podDir(pod.getMetadata().getUid()).resolve("containers").resolve(spec.getName())
                .resolve(attempt + "-termination-log");
    }

    private String terminationMessage(Pod pod, Container spec, int attempt) {
        Path file = terminationLog(pod, spec, attempt);
        try {
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                byte[] bytes = Files.readAllBytes(file);
                return new String(bytes, 0, Math.min(bytes.length, 4096), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            log.debug("cannot read termination message {}: {}", file, e.getMessage());
        }
        return null;
    }

    private static ContainerRecord withIp(ContainerRecord c, String ip) {
        return new ContainerRecord(c.id(), c.kind(), c.containerName(), c.restartCount(), c.state(), c.exitCode(),
                c.oomKilled(), c.error(), c.createdAt(), c.startedAt(), c.finishedAt(), c.image(), c.imageId(), ip, c.labels());
    }

    private static Duration min(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.compareTo(b) <= 0 ? a : b;
    }

    private Map<String, String> labels(Pod pod, String kind, String containerName, int restartCount) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(ContainerLabels.NODE, options.nodeName());
        labels.put(ContainerLabels.POD_UID, pod.getMetadata().getUid());
        labels.put(ContainerLabels.POD_NAMESPACE, pod.getMetadata().getNamespace());
        labels.put(ContainerLabels.POD_NAME, pod.getMetadata().getName());
        labels.put(ContainerLabels.CONTAINER_NAME, containerName);
        labels.put(ContainerLabels.KIND, kind);
        labels.put(ContainerLabels.RESTART_COUNT, Integer.toString(restartCount));
        return labels;
    }

    private String dockerName(Pod pod, String containerName, int attempt) {
        return "k8s_" + containerName + "_" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "_"
                + pod.getMetadata().getUid() + "_" + attempt;
    }

    private Container pauseContainer() {
        return new ContainerBuilder().withName(ContainerLabels.SANDBOX_CONTAINER_NAME)
                .withImage(options.podInfraContainerImage()).withImagePullPolicy("IfNotPresent").build();
    }

    private ContainerRecord createSandbox(Pod pod, boolean hostNetwork, int attempt) {
        Container pause = pauseContainer();
        String uid = pod.getMetadata().getUid();
        ImagePuller.Result image = traces.time(uid, "sandbox_image", () -> images.ensure(pod, pause, null));
        if (!image.ok()) {
            throw new IllegalStateException("sandbox image " + options.podInfraContainerImage() + ": " + image.message());
        }
        String hostname = pod.getSpec().getHostname() != null ? pod.getSpec().getHostname() : pod.getMetadata().getName();
        if (hostname.length() > 63) {
            hostname = hostname.substring(0, 63).replaceAll("[-.]+$", "");
        }
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(hostNetwork ? "host" : network.networkName())
                .withIpcMode("shareable")
                .withCpuShares(2);
        Map<ExposedPort, PortBinding> published = new LinkedHashMap<>();
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getPorts() == null) {
                continue;
            }
            for (ContainerPort p : c.getPorts()) {
                if (p.getHostPort() != null && p.getHostPort() > 0 && !hostNetwork) {
                    ExposedPort exposed = "UDP".equals(p.getProtocol()) ? ExposedPort.udp(p.getContainerPort())
                            : ExposedPort.tcp(p.getContainerPort());
                    published.put(exposed, new PortBinding(Ports.Binding.bindIpAndPort(
                            p.getHostIP() == null ? "0.0.0.0" : p.getHostIP(), p.getHostPort()), exposed));
                }
            }
        }
        if (!published.isEmpty()) {
            host.withPortBindings(new ArrayList<>(published.values()));
        }
        String name = dockerName(pod, ContainerLabels.SANDBOX_CONTAINER_NAME, attempt);
        String finalHostname = hostname;
        long createStart = System.nanoTime();
        String id = createWithName(name, () -> {
            CreateContainerCmd cmd = docker.client().createContainerCmd(options.podInfraContainerImage())
                    .withName(name)
                    .withLabels(labels(pod, ContainerLabels.KIND_SANDBOX, ContainerLabels.SANDBOX_CONTAINER_NAME, attempt))
                    .withHostConfig(host);
            if (!hostNetwork) {
                cmd.withHostName(finalHostname);
            }
            if (!published.isEmpty()) {
                cmd.withExposedPorts(new ArrayList<>(published.keySet()));
            }
            return cmd.exec().getId();
        });
        traces.span(uid, "sandbox_create", createStart, System.nanoTime());
        traces.time(uid, "sandbox_start", () -> docker.run("start_container", () -> docker.client().startContainerCmd(id).exec()));
        if (!hostNetwork) {
            traces.time(uid, "hairpin", network::enableHairpin);
        }
        ContainerRecord record = traces.time(uid, "sandbox_inspect", () -> docker.inspect(id, null));
        if (record == null || !record.running()) {
            throw new IllegalStateException("sandbox container " + id + " is not running after start");
        }
        return record;
    }

    /** Creates a container; a leftover with the same name (a crash between create and start) is removed first. */
    private String createWithName(String name, java.util.concurrent.Callable<String> create) {
        try {
            return docker.call("create_container", create);
        } catch (ConflictException e) {
            docker.remove(name);
            return docker.call("create_container", create);
        }
    }

    private String createContainer(Pod pod, Container spec, String kind, int restartCount, ContainerRecord sandbox,
                                   String podIp, Map<String, Path> podVolumes) {
        String ns = pod.getMetadata().getNamespace();
        EnvResolver resolver = new EnvResolver(name -> configMap(ns, name), name -> secret(ns, name));
        Map<String, String> env = resolver.resolve(pod, spec, podIp, hostIp.get());
        List<String> binds = new ArrayList<>(volumes.binds(spec, podVolumes, pod));
        String messagePath = spec.getTerminationMessagePath() == null || spec.getTerminationMessagePath().isEmpty()
                ? "/dev/termination-log" : spec.getTerminationMessagePath();
        Path terminationLog = terminationLog(pod, spec, restartCount);
        try {
            Files.createDirectories(terminationLog.getParent());
            Files.deleteIfExists(terminationLog);
            Files.createFile(terminationLog);
            Files.setPosixFilePermissions(terminationLog, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            binds.add(terminationLog + ":" + messagePath);
        } catch (IOException e) {
            log.debug("no termination message file for {}: {}", spec.getName(), e.getMessage());
        }

        String sandboxRef = "container:" + sandbox.id();
        HostConfig host = HostConfig.newHostConfig()
                .withNetworkMode(sandboxRef)
                .withIpcMode(sandboxRef)
                .withBinds(binds.stream().map(Bind::parse).toList());
        if (Boolean.TRUE.equals(pod.getSpec().getShareProcessNamespace())) {
            host.withPidMode(sandboxRef);
        }
        applyResources(spec, host);
        String user = applySecurity(pod, spec, host);

        String name = dockerName(pod, spec.getName(), restartCount);
        List<String> command = EnvResolver.expandAll(spec.getCommand(), env);
        List<String> args = EnvResolver.expandAll(spec.getArgs(), env);
        return createWithName(name, () -> {
            CreateContainerCmd cmd = docker.client().createContainerCmd(ImagePolicy.normalize(spec.getImage()))
                    .withName(name)
                    .withLabels(labels(pod, kind, spec.getName(), restartCount))
                    .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    .withHostConfig(host)
                    .withTty(Boolean.TRUE.equals(spec.getTty()))
                    .withStdinOpen(Boolean.TRUE.equals(spec.getStdin()));
            if (command != null && !command.isEmpty()) {
                cmd.withEntrypoint(command);
                cmd.withCmd(args == null ? List.of() : args);
            } else if (args != null && !args.isEmpty()) {
                cmd.withCmd(args);
            }
            if (spec.getWorkingDir() != null && !spec.getWorkingDir().isEmpty()) {
                cmd.withWorkingDir(spec.getWorkingDir());
            }
            if (user != null) {
                cmd.withUser(user);
            }
            return cmd.exec().getId();
        });
    }

    /** limits.memory -> memory (no extra swap); limits.cpu -> CFS quota; requests.cpu -> shares, as the kubelet maps them. */
    static void applyResources(Container spec, HostConfig host) {
        if (spec.getResources() == null) {
            return;
        }
        Map<String, Quantity> limits = spec.getResources().getLimits();
        Map<String, Quantity> requests = spec.getResources().getRequests();
        if (limits != null && limits.get("memory") != null) {
            long bytes = Quantity.getAmountInBytes(limits.get("memory")).longValue();
            host.withMemory(bytes).withMemorySwap(bytes);
        }
        if (limits != null && limits.get("cpu") != null) {
            long milli = milliCpu(limits.get("cpu"));
            host.withCpuPeriod(100_000L).withCpuQuota(Math.max(1000L, milli * 100));
        }
        Quantity cpuRequest = requests != null && requests.get("cpu") != null ? requests.get("cpu")
                : limits != null ? limits.get("cpu") : null;
        if (cpuRequest != null) {
            host.withCpuShares((int) Math.max(2, milliCpu(cpuRequest) * 1024 / 1000));
        }
    }

    static long milliCpu(Quantity q) {
        return q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, java.math.RoundingMode.CEILING).longValue();
    }

    private static String applySecurity(Pod pod, Container spec, HostConfig host) {
        SecurityContext sc = spec.getSecurityContext();
        Long runAsUser = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                : pod.getSpec().getSecurityContext() != null ? pod.getSpec().getSecurityContext().getRunAsUser() : null;
        Long runAsGroup = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup()
                : pod.getSpec().getSecurityContext() != null ? pod.getSpec().getSecurityContext().getRunAsGroup() : null;
        if (sc != null) {
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                host.withPrivileged(true);
            }
            if (Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                host.withReadonlyRootfs(true);
            }
            if (sc.getCapabilities() != null) {
                if (sc.getCapabilities().getAdd() != null && !sc.getCapabilities().getAdd().isEmpty()) {
                    host.withCapAdd(capabilities(sc.getCapabilities().getAdd()));
                }
                if (sc.getCapabilities().getDrop() != null && !sc.getCapabilities().getDrop().isEmpty()) {
                    host.withCapDrop(capabilities(sc.getCapabilities().getDrop()));
                }
            }
        }
        if (runAsUser == null) {
            return null;
        }
        return runAsGroup == null ? runAsUser.toString() : runAsUser + ":" + runAsGroup;
    }

    private static Capability[] capabilities(List<String> names) {
        List<Capability> out = new ArrayList<>();
        for (String n : names) {
            String name = n.toUpperCase().startsWith("CAP_") ? n.substring(4).toUpperCase() : n.toUpperCase();
            if (name.equals("ALL")) {
                out.add(Capability.ALL);
                continue;
            }
            try {
                out.add(Capability.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new ContainerConfigException("unknown capability " + n);
            }
        }
        return out.toArray(Capability[]::new);
    }

    private ConfigMap configMap(String ns, String name) {
        return client.configMaps().inNamespace(ns).withName(name).get();
    }

    private Secret secret(String ns, String name) {
        return client.secrets().inNamespace(ns).withName(name).get();
    }

    private long gracePeriod(Pod pod) {
        Long g = pod.getSpec().getTerminationGracePeriodSeconds();
        return g == null ? 30 : g;
    }

    /** Graceful deletion: app containers get SIGTERM and the grace period, then the sandbox stops; then the API object goes. */
    private void terminate(Pod pod) {
        String uid = pod.getMetadata().getUid();
        Long deletionGrace = pod.getMetadata().getDeletionGracePeriodSeconds();
        long grace = deletionGrace != null ? deletionGrace : gracePeriod(pod);
        stopAll(uid, docker.podContainers(uid), grace, pod);
        probes.removePod(uid);
        runningContainers.remove(uid);
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        log.info("pod {}/{} terminated", pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    }

    /** Stops running containers, app and init ones in parallel first, the sandbox last. */
    private void stopAll(String uid, List<ContainerRecord> containers, long grace, Pod pod) {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (ContainerRecord c : containers) {
            if (c.running() && !ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                if (pod != null) {
                    String field = (ContainerLabels.KIND_INIT.equals(c.kind()) ? "spec.initContainers{" : "spec.containers{")
                            + c.containerName() + "}";
                    events.normal(pod, field, "Killing", "Stopping container " + c.containerName());
                }
                stops.add(CompletableFuture.runAsync(() -> {
                    long left = pod == null ? grace : runPreStop(pod, c, grace);
                    docker.stop(c.id(), left);
                }, sidePool));
            }
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        for (ContainerRecord c : containers) {
            if (c.running() && ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                docker.stop(c.id(), Math.min(grace, 2));
            }
        }
    }

    /**
     * Runs the container's preStop hook (exec, httpGet or sleep) inside the grace period, as the kubelet does before
     * SIGTERM.
     *
     * @return the seconds of grace left for SIGTERM
     */
    private long runPreStop(Pod pod, ContainerRecord c, long grace) {
        Container spec = pod.getSpec().getContainers().stream().filter(s -> s.getName().equals(c.containerName()))
                .findFirst().orElse(null);
        if (spec == null || spec.getLifecycle() == null || spec.getLifecycle().getPreStop() == null || grace <= 0) {
            return grace;
        }
        var hook = spec.getLifecycle().getPreStop();
        long started = System.nanoTime();
        if (hook.getSleep() != null && hook.getSleep().getSeconds() != null) {
            // the sleep action (Kubernetes 1.30+): keep serving while endpoints and proxies drop this pod
            long seconds = Math.min(Math.max(0, hook.getSleep().getSeconds()), grace);
            try {
                Thread.sleep(seconds * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Math.max(0, grace - seconds);
        }
        io.fabric8.kubernetes.api.model.Probe asProbe = new io.fabric8.kubernetes.api.model.ProbeBuilder()
                .withExec(hook.getExec()).withHttpGet(hook.getHttpGet()).withTcpSocket(hook.getTcpSocket())
                .withTimeoutSeconds((int) Math.min(Integer.MAX_VALUE, grace)).build();
        Prober.Outcome outcome = prober.probe(asProbe, spec, c.id(), podIpOf(pod));
        if (!outcome.success()) {
            events.warning(pod, "spec.containers{" + spec.getName() + "}", "FailedPreStopHook",
                    "PreStopHook failed: " + outcome.message());
        }
        long spent = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        return Math.max(0, grace - spent);
    }

    private static String podIpOf(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    }

    /** The pod is gone from the API: stop and remove everything of it on this node. */
    private void teardown(String uid) {
        List<ContainerRecord> containers = docker.podContainers(uid);
        stopAll(uid, containers, 2, null);
        for (ContainerRecord c : containers) {
            if (!ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                docker.remove(c.id());
            }
        }
        for (ContainerRecord c : containers) {
            if (ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                docker.remove(c.id());
            }
        }
        probes.removePod(uid);
        volumes.cleanup(uid);
        images.forget(uid);
        events.forget(uid);
        crashBackoff.forgetPrefix(uid + "/");
        lastWritten.remove(uid);
        startRecorded.remove(uid);
        traces.discard(uid);
        syncedBefore.remove(uid);
        runningContainers.remove(uid);
        if (!containers.isEmpty()) {
            log.info("removed {} containers of deleted pod {}", containers.size(), uid);
        }
    }

    private void recordStartLatency(Pod pod, PodStatus status) {
        boolean ready = PodStatusCalculator.isReady(status);
        String created = pod.getMetadata().getCreationTimestamp();
        if (ready && created != null && startRecorded.add(pod.getMetadata().getUid())) {
            Duration latency = Duration.between(Instant.parse(created), Instant.now());
            if (!latency.isNegative() && latency.compareTo(Duration.ofMinutes(10)) < 0) {
                Timer.builder("kubelet_pod_start_duration_seconds")
                        .description("from pod creation to the pod's first Ready, as this kubelet saw it")
                        .publishPercentileHistogram().register(metrics).record(latency);
            }
        }
    }

    /** Writes the status through the status subresource, only when it differs from what the API and we last had. */
    private void writeStatus(Pod pod, PodStatus status) {
        String uid = pod.getMetadata().getUid();
        JsonNode wanted = Serialization.jsonMapper().valueToTree(status);
        JsonNode current = pod.getStatus() == null ? null : Serialization.jsonMapper().valueToTree(pod.getStatus());
        if (wanted.equals(current) || wanted.equals(lastWritten.get(uid))) {
            if (PodStatusCalculator.isReady(status)) {
                traces.finish(uid);
            }
            return;
        }
        String body = "{\"status\":" + wanted + "}";
        try {
            traces.time(uid, "status_write", () -> client.pods().inNamespace(pod.getMetadata().getNamespace())
                    .withName(pod.getMetadata().getName())
                    .subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), body));
            lastWritten.put(uid, wanted);
            if (PodStatusCalculator.isReady(status)) {
                traces.finish(uid);
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return;
            }
            throw e;
        }
    }
}
