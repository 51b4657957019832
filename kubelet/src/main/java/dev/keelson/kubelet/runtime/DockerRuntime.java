package dev.keelson.kubelet.runtime;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet's view of the Docker Engine: docker-java calls with latency/error metrics, and pod containers read
 * back by label. Every method blocks: call it from worker threads only.
 */
public final class DockerRuntime implements AutoCloseable {
    private final DockerClient docker;
    private final String endpoint;
    private final String nodeName;
    private final MeterRegistry metrics;
    /**
     * Inspect results by id, reused while a list shows the container in the same state: an exited container cannot
     * change, and a running one changes only by stopping (a Docker event then calls {@link #forget}). Periodic syncs
     * of a running pod then cost one list, not a list and an inspect per container.
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

    public String endpoint() {
        return endpoint;
    }

    public DockerClient client() {
        return docker;
    }

    /** Runs one Docker operation, recording its latency and errors; connection failures become DockerUnavailable. */
    public <T> T call(String operation, Callable<T> body) {
        Timer.Sample sample = Timer.start(metrics);
        try {
            return body.call();
        } catch (RuntimeException e) {
            countError(operation);
            if (isConnectionFailure(e)) {
                throw new DockerUnavailableException("Docker Engine unreachable: " + rootMessage(e), e);
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

    public void run(String operation, Runnable body) {
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
            if (t instanceof IOException && !(t instanceof java.io.InterruptedIOException && t.getCause() == null)) {
                return true;
            }
        }
        return false;
    }

    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    public String version() {
        return call("version", () -> docker.versionCmd().exec().getVersion());
    }

    /** Every container of one pod, newest first. */
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

    /** Pod uid of every container this node's kubelet created, with the container ids. */
    public Map<String, List<String>> containersByPod() {
        List<Container> list = call("list_containers", () -> docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeName)).exec());
        Map<String, List<String>> out = new java.util.HashMap<>();
        for (Container c : list) {
            String uid = c.getLabels().get(ContainerLabels.POD_UID);
            if (uid != null) {
                out.computeIfAbsent(uid, k -> new ArrayList<>()).add(c.getId());
            }
        }
        return out;
    }

    public ContainerRecord inspect(String id, String listedState) {
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

    /** Drops what an inspect said about a container (it died or was started again). */
    public void forget(String id) {
        inspected.remove(id);
    }

    private ContainerRecord toRecord(InspectContainerResponse r) {
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

    /** Stops a container, giving it {@code graceSeconds} after SIGTERM before SIGKILL. */
    public void stop(String id, long graceSeconds) {
        try {
            run("stop_container", () -> docker.stopContainerCmd(id).withTimeout((int) Math.max(0, graceSeconds)).exec());
        } catch (NotModifiedException | NotFoundException ignored) {
            // already stopped or gone: the goal is reached
        }
    }

    public void remove(String id) {
        try {
            run("remove_container", () -> docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec());
        } catch (NotFoundException ignored) {
            // already gone
        }
        inspected.remove(id);
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
