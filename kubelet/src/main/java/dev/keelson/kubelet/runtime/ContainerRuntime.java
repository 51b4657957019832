package dev.keelson.kubelet.runtime;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The container runtime as the kubelet uses it, shaped after Kubernetes' CRI (RuntimeService and ImageService): pod
 * sandboxes, containers, images, exec/logs, plus the node's pod network. Containers are found again by the labels
 * in {@link ContainerLabels}, so a restarted kubelet adopts what runs. Every method blocks: call it from worker threads
 * only. A runtime that does not answer throws {@link RuntimeUnavailableException}; a config it refuses,
 * {@link ContainerConfigException}.
 */
public interface ContainerRuntime extends AutoCloseable {

    /** The runtime's version, as the Node's containerRuntimeVersion shows it after "docker://". */
    String version();

    // --- sandboxes

    /**
     * Creates a pod's sandbox (the container holding its namespaces); a leftover of the same name is replaced. CRI's
     * RunPodSandbox is this and {@link #startPodSandbox}: two calls, so that a pod's start trace shows each.
     */
    String createPodSandbox(SandboxConfig config);

    void startPodSandbox(String sandboxId);

    /** The sandbox's container as it is now (its IP is the pod's), or null when it does not exist. */
    ContainerRecord podSandboxStatus(String sandboxId);

    /** Stops the sandbox's container; app containers sharing its namespaces must be stopped first. */
    void stopPodSandbox(String sandboxId, long graceSeconds);

    void removePodSandbox(String sandboxId);

    // --- containers

    /** Creates a container in a sandbox; a leftover of the same name (a crash between create and start) is replaced. */
    String createContainer(ContainerConfig config);

    void startContainer(String id);

    /** Stops a container, giving it {@code graceSeconds} after SIGTERM before SIGKILL; stopped or gone is success. */
    void stopContainer(String id, long graceSeconds);

    /** Removes a container and its anonymous volumes; gone is success. */
    void removeContainer(String id);

    /** What the runtime knows about one container now, or null when it does not exist. */
    ContainerRecord containerStatus(String id);

    /** Every container (sandbox, init, app) of one pod on this node, newest first. */
    List<ContainerRecord> podContainers(String podUid);

    /** Every running container (sandbox, init, app) this node's kubelet created, with its labels: one runtime call. */
    List<ContainerRecord> runningContainers();

    /** Pod uid of every container this node's kubelet created, with the container ids. */
    Map<String, List<String>> containersByPod();

    /**
     * Calls {@code onExit} with the pod uid whenever one of this node's containers dies or is OOM-killed, until the
     * returned handle is closed.
     */
    Closeable watchContainerExits(Consumer<String> onExit);

    // --- images

    /** The id of an image present on the node, or null. */
    String imageId(String ref);

    /** The user an image runs as when none is given ({@code name}, {@code uid}, {@code uid:gid}; empty: root). */
    String imageUser(String ref);

    /** Pulls an image (at most 10 minutes); {@code auth} null pulls anonymously. */
    void pullImage(String ref, RegistryAuth auth);

    /** Registry credentials from a pod's pull secrets. */
    record RegistryAuth(String registryAddress, String username, String password) {}

    // --- exec and logs

    /** Runs a command in a running container to its end or the timeout (probes, hooks). */
    ExecResult execSync(String containerId, List<String> command, Duration timeout);

    /** @param output stdout and stderr interleaved, cut after about 10,000 characters */
    record ExecResult(boolean timedOut, Long exitCode, String output) {}

    /** Prepares an interactive exec; {@link #startExec} then connects its streams. */
    String createExec(String containerId, List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty);

    ExecStream startExec(String execId, boolean tty) throws IOException;

    void resizeExec(String execId, int height, int width);

    /** The exit code of a finished exec, or null while unknown. */
    Long execExitCode(String execId);

    /** Streams a container's logs to {@code sink} until they end (or the handle is closed, when following). */
    Closeable streamLogs(String containerId, LogOptions options, LogSink sink);

    /** @param tailLines null for all; @param sinceEpochSecond null for all */
    record LogOptions(boolean follow, boolean timestamps, Integer tailLines, Integer sinceEpochSecond) {}

    /** Receives log bytes (stdout and stderr interleaved as written) on the runtime's thread. */
    interface LogSink {
        void write(byte[] data);

        /** The stream ended, normally or by a failure. */
        void end();
    }

    // --- the node's pod network

    /** Networks named exactly {@code name}. */
    List<NetworkRecord> networks(String name);

    /** A network's address ranges: the subnets with their gateways (a gateway may be empty in a listing). */
    record NetworkRecord(String id, String name, List<Subnet> subnets) {
        public record Subnet(String subnet, String gateway) {}
    }

    /** Creates a bridge network with one subnet on a Linux bridge of the given name. */
    void createBridgeNetwork(String name, String subnet, String gateway, String bridgeName, Map<String, String> labels);

    /** Containers (any state) attached to a network. */
    List<AttachedContainer> containersOnNetwork(String networkId);

    record AttachedContainer(String id, String name, String state, Map<String, String> labels) {}

    /** Removes a network; false when it did not exist. */
    boolean removeNetwork(String idOrName);

    @Override
    void close();

    /** The innermost cause's message: what the runtime or the operating system said, without wrappers. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
