package dev.keelson.kubelet.pod;

import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.KubeletOptions;
import dev.keelson.kubelet.images.ImagePuller;
import dev.keelson.kubelet.network.PodDnsFiles;
import dev.keelson.kubelet.network.PodNetwork;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.runtime.RuntimeUnavailableException;
import dev.keelson.kubelet.runtime.SandboxConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * A pod's sandbox: keeps the running one, or replaces a dead one with a new one after stopping what ran in it (a new
 * sandbox means new namespaces, so every container starts again, as in Kubernetes).
 */
final class PodSandboxes {
    /**
     * @param sandbox the running sandbox, or null when it could not be made
     * @param containers the pod's containers after this step, newest first
     * @param failure why there is no sandbox (FailedCreatePodSandBox's message), or null
     */
    record Outcome(ContainerRecord sandbox, List<ContainerRecord> containers, String failure) {}

    private final ContainerRuntime runtime;
    private final KubeletOptions options;
    private final PodNetwork network;
    private final ImagePuller images;
    private final EventRecorder events;
    private final ExecutorService sidePool;
    private final PodStartTraces traces;
    private final PodTerminator terminator;

    PodSandboxes(ContainerRuntime runtime, KubeletOptions options, PodNetwork network, ImagePuller images,
                 EventRecorder events, ExecutorService sidePool, PodStartTraces traces, PodTerminator terminator) {
        this.runtime = runtime;
        this.options = options;
        this.network = network;
        this.images = images;
        this.events = events;
        this.sidePool = sidePool;
        this.traces = traces;
        this.terminator = terminator;
    }

    Outcome ensure(Pod pod, boolean hostNetwork, List<ContainerRecord> all) {
        ContainerRecord running = all.stream()
                .filter(c -> ContainerLabels.KIND_SANDBOX.equals(c.kind()) && c.running()).findFirst().orElse(null);
        if (running != null) {
            return new Outcome(running, all, null);
        }
        String uid = pod.getMetadata().getUid();
        terminator.stopAll(all.stream().filter(c -> !ContainerLabels.KIND_SANDBOX.equals(c.kind())).toList(), 2, null);
        for (ContainerRecord c : all) {
            if (ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                runtime.removePodSandbox(c.id());
            }
        }
        int attempt = all.stream().filter(c -> ContainerLabels.KIND_SANDBOX.equals(c.kind()))
                .mapToInt(c -> c.restartCount() + 1).max().orElse(0);
        List<Container> wanted = new ArrayList<>();
        wanted.add(pauseContainer());
        if (pod.getSpec().getInitContainers() != null) {
            wanted.addAll(pod.getSpec().getInitContainers());
        }
        wanted.addAll(pod.getSpec().getContainers());
        images.lookUpAhead(wanted, sidePool);
        ContainerRecord sandbox = null;
        String failure = null;
        try {
            sandbox = create(pod, hostNetwork, attempt);
        } catch (RuntimeException e) {
            if (e instanceof RuntimeUnavailableException) {
                throw e;
            }
            failure = "failed to create pod sandbox: " + ContainerRuntime.rootMessage(e);
            events.warning(pod, null, "FailedCreatePodSandBox", failure);
        }
        // A new pod has nothing but the sandbox just made; otherwise re-read what stopping changed.
        List<ContainerRecord> now = all.isEmpty() && sandbox != null ? List.of(sandbox) : runtime.podContainers(uid);
        return new Outcome(sandbox, now, failure);
    }

    private Container pauseContainer() {
        return new ContainerBuilder().withName(ContainerLabels.SANDBOX_CONTAINER_NAME)
                .withImage(options.podInfraContainerImage()).withImagePullPolicy("IfNotPresent").build();
    }

    private ContainerRecord create(Pod pod, boolean hostNetwork, int attempt) {
        String uid = pod.getMetadata().getUid();
        if (Boolean.FALSE.equals(pod.getSpec().getHostUsers())) {
            throw new IllegalStateException("user namespaces (hostUsers: false) are not supported by this node's runtime");
        }
        ImagePuller.Result image = traces.time(uid, "sandbox_image", () -> images.ensure(pod, pauseContainer(), null));
        if (!image.ok()) {
            throw new IllegalStateException("sandbox image " + options.podInfraContainerImage() + ": " + image.message());
        }
        SandboxConfig config = new SandboxConfig(
                RuntimeNames.containerName(pod, ContainerLabels.SANDBOX_CONTAINER_NAME, attempt),
                options.podInfraContainerImage(),
                RuntimeNames.labels(options.nodeName(), pod, ContainerLabels.KIND_SANDBOX,
                        ContainerLabels.SANDBOX_CONTAINER_NAME, attempt),
                hostNetwork ? null : PodDnsFiles.sandboxHostname(pod, options.dns().clusterDomain()),
                hostNetwork ? null : network.networkName(),
                hostNetwork ? List.of() : hostPorts(pod),
                Boolean.TRUE.equals(pod.getSpec().getHostPID()),
                Boolean.TRUE.equals(pod.getSpec().getHostIPC()),
                PodAdmission.sysctls(pod));
        String id = traces.time(uid, "sandbox_create", () -> runtime.createPodSandbox(config));
        traces.time(uid, "sandbox_start", () -> runtime.startPodSandbox(id));
        if (!hostNetwork) {
            traces.time(uid, "hairpin", network::enableHairpin);
        }
        ContainerRecord record = traces.time(uid, "sandbox_inspect", () -> runtime.podSandboxStatus(id));
        if (record == null || !record.running()) {
            throw new IllegalStateException("sandbox container " + id + " is not running after start");
        }
        return record;
    }

    /** The containers' hostPorts, published by the sandbox (with the host's network they are the host's ports anyway). */
    private static List<SandboxConfig.PortMapping> hostPorts(Pod pod) {
        List<SandboxConfig.PortMapping> out = new ArrayList<>();
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getPorts() == null) {
                continue;
            }
            for (ContainerPort p : c.getPorts()) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    out.add(new SandboxConfig.PortMapping("UDP".equals(p.getProtocol()) ? "UDP" : "TCP",
                            p.getContainerPort(), p.getHostIP() == null ? "0.0.0.0" : p.getHostIP(), p.getHostPort()));
                }
            }
        }
        return out;
    }
}
