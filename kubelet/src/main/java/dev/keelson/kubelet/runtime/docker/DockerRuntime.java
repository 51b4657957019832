package dev.keelson.kubelet.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.LogContainerCmd;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.keelson.kubelet.runtime.ContainerConfig;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.ExecStream;
import dev.keelson.kubelet.runtime.RuntimeUnavailableException;
import dev.keelson.kubelet.runtime.SandboxConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The kubelet's container runtime on the Docker Engine: every docker-java call of the kubelet, each with latency and
 * error metrics. {@link DockerSpecs} turns the runtime-neutral configs into Docker's create requests.
 */
public final class DockerRuntime implements ContainerRuntime {
    private final DockerClient docker;
    private final String endpoint;
    private final String nodeName;
    private final MeterRegistry metrics;
    /**
     * Inspect results by id, reused while a list shows the container in the same state: an exited container cannot
     * change, and a running one changes only by stopping (a Docker event then drops it). Periodic syncs of a running
     * pod then cost one list, not a list and an inspect per container.
     */
    private final Map<String, ContainerRecord> inspected = new ConcurrentHashMap<>();

    public DockerRuntime(String endpoint, String nodeName, MeterRegistry metrics) {
        this.endpoint = endpoint;
        this.nodeName = nodeName;
        this.metrics = metrics;
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(endpoint).build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(URI.create(endpoint))
                .maxConnections(200)
                .connectionTimeout(Duration.ofSeconds(5))
                .build();
        this.docker = DockerClientImpl.getInstance(config, http);
    }

    /** The docker-java client itself, for tests that arrange Docker state around the kubelet. */
    public DockerClient client() {
        return docker;
    }

    /** Runs one Docker operation, recording its latency and errors; connection failures become RuntimeUnavailable. */
    private <T> T call(String operation, Callable<T> body) {
        Timer.Sample sample = Timer.start(metrics);
        try {
            return body.call();
        } catch (RuntimeException e) {
            countError(operation);
            if (isConnectionFailure(e)) {
                throw new RuntimeUnavailableException("Docker Engine unreachable: " + ContainerRuntime.rootMessage(e), e);
            }
            throw e;
        } catch (Exception e) {
            countError(operation);
            throw new IllegalStateException(operation + ": " + e.getMessage(), e);
        } finally {
            sample.stop(Timer.builder("kubelet_docker_operations_duration_seconds")
                    .description("latency of Docker Engine operations")
                    .tag("operation", operation).publishPercentileHistogram().register(metrics));
        }
    }

    private void run(String operation, Runnable body) {
        call(operation, () -> {
            body.run();
            return null;
        });
    }

    private void countError(String operation) {
        Counter.builder("kubelet_docker_operations_errors_total").tag("operation", operation)
                .description("failed Docker Engine operations").register(metrics).increment();
    }

    private static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException && !(t instanceof InterruptedIOException && t.getCause() == null)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String version() {
        return call("version", () -> docker.versionCmd().exec().getVersion());
    }

    // --- sandboxes and containers

    @Override
    public String createPodSandbox(SandboxConfig config) {
        return createWithName(config.name(), () -> DockerSpecs.sandbox(docker, config).exec().getId());
    }

    @Override
    public void startPodSandbox(String sandboxId) {
        startContainer(sandboxId);
    }

    @Override
    public ContainerRecord podSandboxStatus(String sandboxId) {
        return inspect(sandboxId, null);
    }

    @Override
    public void stopPodSandbox(String sandboxId, long graceSeconds) {
        stopContainer(sandboxId, graceSeconds);
    }

    @Override
    public void removePodSandbox(String sandboxId) {
        removeContainer(sandboxId);
    }

    @Override
    public String createContainer(ContainerConfig config) {
        return createWithName(config.name(), () -> DockerSpecs.container(docker, config).exec().getId());
    }

    /** Creates a container; a leftover with the same name (a crash between create and start) is removed first. */
    private String createWithName(String name, Callable<String> create) {
        try {
            return call("create_container", create);
        } catch (ConflictException e) {
            removeContainer(name);
            return call("create_container", create);
        }
    }

    @Override
    public void startContainer(String id) {
        run("start_container", () -> docker.startContainerCmd(id).exec());
    }

    @Override
    public void stopContainer(String id, long graceSeconds) {
        try {
            run("stop_container", () -> docker.stopContainerCmd(id).withTimeout((int) Math.max(0, graceSeconds)).exec());
        } catch (NotModifiedException | NotFoundException ignored) {
            // already stopped or gone: the goal is reached
        }
    }

    @Override
    public void removeContainer(String id) {
        try {
            run("remove_container", () -> docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
        } catch (NotFoundException ignored) {
            // already gone
        }
        inspected.remove(id);
    }

    @Override
    public ContainerRecord containerStatus(String id) {
        return inspect(id, null);
    }

    @Override
    public List<ContainerRecord> podContainers(String podUid) {
        List<Container> list = call("list_containers", () -> docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.POD_UID, podUid, ContainerLabels.NODE, nodeName)).exec());
        List<ContainerRecord> out = new ArrayList<>();
        for (Container c : list) {
            ContainerRecord record = inspect(c.getId(), c.getState());
            if (record != null) {
                out.add(record);
            }
        }
        out.sort((a, b) -> b.createdAt().compareTo(a.createdAt()));
        return out;
    }

    @Override
    public List<ContainerRecord> runningContainers() {
        List<Container> list = call("list_containers", () -> docker.listContainersCmd()
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeName)).exec());
        List<ContainerRecord> out = new ArrayList<>();
        for (Container c : list) {
            ContainerRecord record = inspect(c.getId(), c.getState());
            if (record != null && record.running()) {
                out.add(record);
            }
        }
        return out;
    }

    @Override
    public Map<String, List<String>> containersByPod() {
        List<Container> list = call("list_containers", () -> docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeName)).exec());
        Map<String, List<String>> out = new HashMap<>();
        for (Container c : list) {
            String uid = c.getLabels().get(ContainerLabels.POD_UID);
            if (uid != null) {
                out.computeIfAbsent(uid, k -> new ArrayList<>()).add(c.getId());
            }
        }
        return out;
    }

    private ContainerRecord inspect(String id, String listedState) {
        ContainerRecord cached = inspected.get(id);
        if (cached != null && listedState != null && listedState.equals(cached.state())
                && ("running".equals(listedState) || "exited".equals(listedState) || "dead".equals(listedState))) {
            return cached;
        }
        InspectContainerResponse r;
        try {
            r = call("inspect_container", () -> docker.inspectContainerCmd(id).exec());
        } catch (NotFoundException e) {
            inspected.remove(id);
            return null;
        }
        ContainerRecord record = toRecord(r);
        inspected.put(id, record);
        return record;
    }

    private static ContainerRecord toRecord(InspectContainerResponse r) {
        Map<String, String> labels = r.getConfig().getLabels() == null ? Map.of() : r.getConfig().getLabels();
        InspectContainerResponse.ContainerState s = r.getState();
        String ip = null;
        if (r.getNetworkSettings() != null && r.getNetworkSettings().getNetworks() != null) {
            for (ContainerNetwork n : r.getNetworkSettings().getNetworks().values()) {
                if (n.getIpAddress() != null && !n.getIpAddress().isEmpty()) {
                    ip = n.getIpAddress();
                }
            }
        }
        int restarts = 0;
        try {
            restarts = Integer.parseInt(labels.getOrDefault(ContainerLabels.RESTART_COUNT, "0"));
        } catch (NumberFormatException ignored) {
            // a container someone else labelled: count it as the first attempt
        }
        return new ContainerRecord(r.getId(), labels.getOrDefault(ContainerLabels.KIND, ContainerLabels.KIND_APP),
                labels.getOrDefault(ContainerLabels.CONTAINER_NAME, ""), restarts, s.getStatus(),
                s.getExitCodeLong() == null ? 0 : s.getExitCodeLong().intValue(), Boolean.TRUE.equals(s.getOOMKilled()),
                s.getError(), parseTime(r.getCreated()), parseTime(s.getStartedAt()), parseTime(s.getFinishedAt()),
                r.getConfig().getImage(), r.getImageId(), ip, labels);
    }

    static Instant parseTime(String value) {
        if (value == null || value.isEmpty() || value.startsWith("0001-")) {
            return null;
        }
        return Instant.parse(value);
    }

    @Override
    public Closeable watchContainerExits(Consumer<String> onExit) {
        return docker.eventsCmd()
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeName))
                .withEventFilter("die", "oom")
                .exec(new ResultCallback.Adapter<Event>() {
                    @Override
                    public void onNext(Event event) {
                        if (event.getId() != null) {
                            // it died or was started again: what an inspect said is stale
                            inspected.remove(event.getId());
                        }
                        Map<String, String> attrs = event.getActor() == null ? null : event.getActor().getAttributes();
                        String uid = attrs == null ? null : attrs.get(ContainerLabels.POD_UID);
                        if (uid != null) {
                            onExit.accept(uid);
                        }
                    }
                });
    }

    // --- images

    @Override
    public String imageId(String ref) {
        try {
            return call("inspect_image", () -> docker.inspectImageCmd(ref).exec().getId());
        } catch (NotFoundException e) {
            return null;
        }
    }

    @Override
    public String imageUser(String ref) {
        var config = call("inspect_image", () -> docker.inspectImageCmd(ref).exec()).getConfig();
        return config == null || config.getUser() == null ? "" : config.getUser();
    }

    @Override
    public void pullImage(String ref, RegistryAuth auth) {
        run("pull_image", () -> {
            var cmd = docker.pullImageCmd(ref);
            if (auth != null) {
                cmd.withAuthConfig(new AuthConfig().withRegistryAddress(auth.registryAddress())
                        .withUsername(auth.username()).withPassword(auth.password()));
            }
            try {
                if (!cmd.exec(new PullImageResultCallback()).awaitCompletion(10, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("pull of " + ref + " did not finish within 10 minutes");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pulling " + ref, e);
            }
        });
    }

    // --- exec and logs

    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
        String execId = call("exec_create", () -> docker.execCreateCmd(containerId)
                .withCmd(command.toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec().getId());
        StringBuilder output = new StringBuilder();
        ResultCallback.Adapter<Frame> done = call("exec_start", () -> docker.execStartCmd(execId)
                .exec(new ResultCallback.Adapter<Frame>() {
                    @Override
                    public void onNext(Frame frame) {
                        synchronized (output) {
                            if (output.length() < 10_000) {
                                output.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                            }
                        }
                    }
                }));
        try {
            if (!done.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                synchronized (output) {
                    return new ExecResult(true, null, output.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running an exec", e);
        }
        Long code = execExitCode(execId);
        synchronized (output) {
            return new ExecResult(false, code, output.toString());
        }
    }

    @Override
    public String createExec(String containerId, List<String> command, boolean stdin, boolean stdout, boolean stderr,
                             boolean tty) {
        return call("exec_create", () -> docker.execCreateCmd(containerId).withCmd(command.toArray(String[]::new))
                .withAttachStdin(stdin).withAttachStdout(stdout).withAttachStderr(stderr).withTty(tty).exec().getId());
    }

    @Override
    public ExecStream startExec(String execId, boolean tty) throws IOException {
        return HijackedExec.start(endpoint, execId, tty);
    }

    @Override
    public void resizeExec(String execId, int height, int width) {
        run("exec_resize", () -> docker.resizeExecCmd(execId).withSize(height, width).exec());
    }

    @Override
    public Long execExitCode(String execId) {
        return call("exec_inspect", () -> docker.inspectExecCmd(execId).exec().getExitCodeLong());
    }

    @Override
    public Closeable streamLogs(String containerId, LogOptions options, LogSink sink) {
        LogContainerCmd cmd = docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true)
                .withFollowStream(options.follow()).withTimestamps(options.timestamps());
        if (options.tailLines() != null) {
            cmd.withTail(options.tailLines());
        }
        if (options.sinceEpochSecond() != null) {
            cmd.withSince(options.sinceEpochSecond());
        }
        return cmd.exec(new ResultCallback.Adapter<Frame>() {
            @Override
            public void onNext(Frame frame) {
                sink.write(frame.getPayload());
            }

            @Override
            public void onComplete() {
                sink.end();
                super.onComplete();
            }

            @Override
            public void onError(Throwable t) {
                sink.end();
                super.onError(t);
            }
        });
    }

    // --- networks

    @Override
    public List<NetworkRecord> networks(String name) {
        List<Network> found = call("list_networks", () -> docker.listNetworksCmd().withNameFilter(name).exec());
        List<NetworkRecord> out = new ArrayList<>();
        for (Network n : found) {
            // the name filter matches substrings
            if (!n.getName().equals(name)) {
                continue;
            }
            List<NetworkRecord.Subnet> subnets = new ArrayList<>();
            if (n.getIpam() != null && n.getIpam().getConfig() != null) {
                for (Network.Ipam.Config c : n.getIpam().getConfig()) {
                    subnets.add(new NetworkRecord.Subnet(c.getSubnet(), c.getGateway()));
                }
            }
            out.add(new NetworkRecord(n.getId(), n.getName(), subnets));
        }
        return out;
    }

    @Override
    public void createBridgeNetwork(String name, String subnet, String gateway, String bridgeName,
                                    Map<String, String> labels) {
        run("create_network", () -> docker.createNetworkCmd()
                .withName(name)
                .withDriver("bridge")
                .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet).withGateway(gateway)))
                .withOptions(Map.of(
                        "com.docker.network.bridge.name", bridgeName,
                        // Pod-to-pod traffic across nodes must keep its source address; the proxy masquerades what leaves.
                        "com.docker.network.bridge.enable_ip_masquerade", "true"))
                .withLabels(labels)
                .exec());
    }

    @Override
    public List<AttachedContainer> containersOnNetwork(String networkId) {
        List<Container> attached = call("list_containers", () -> docker.listContainersCmd()
                .withShowAll(true).withNetworkFilter(List.of(networkId)).exec());
        List<AttachedContainer> out = new ArrayList<>();
        for (Container c : attached) {
            String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : c.getNames()[0].replaceFirst("^/", "");
            out.add(new AttachedContainer(c.getId(), name, c.getState(), c.getLabels() == null ? Map.of() : c.getLabels()));
        }
        return out;
    }

    @Override
    public boolean removeNetwork(String idOrName) {
        try {
            run("remove_network", () -> docker.removeNetworkCmd(idOrName).exec());
            return true;
        } catch (NotFoundException gone) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            docker.close();
        } catch (IOException ignored) {
            // closing the Docker connection pool on shutdown is best effort
        }
    }
}
