package dev.keelson.kubelet.pod;

import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.network.PodDnsFiles;
import dev.keelson.kubelet.KubeletOptions;
import dev.keelson.kubelet.images.ImagePuller;
import dev.keelson.kubelet.network.PodNetwork;
import dev.keelson.kubelet.probe.ProbeManager;
import dev.keelson.kubelet.probe.Prober;
import dev.keelson.kubelet.runtime.ContainerConfigException;
import dev.keelson.kubelet.volume.VolumeMountException;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import dev.keelson.kubelet.volume.VolumeManager;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of one pod: compares the pod's spec with its containers in the runtime (found by labels) and hands each
 * part to its step: the sandbox ({@link PodSandboxes}), the containers ({@link ContainerSync}), termination
 * ({@link PodTerminator}) and the status ({@link PodStatusWriter}). Called serialized per pod.
 */
public final class PodSyncer {
    private static final Logger log = LoggerFactory.getLogger(PodSyncer.class);

    private final ContainerRuntime runtime;
    private final PodNetwork network;
    private final ImagePuller images;
    private final VolumeManager volumes;
    private final ProbeManager probes;
    private final EventRecorder events;
    private final Supplier<String> hostIp;
    private final PodStartTraces traces;
    private final PodSandboxes sandboxes;
    private final ContainerSync containers;
    private final PodTerminator terminator;
    private final PodStatusWriter statusWriter;
    private final PodAdmission admission;
    private final Map<String, Integer> runningContainers = new ConcurrentHashMap<>();
    /** Pods that had containers when this kubelet started; null when that is unknown (then every sync lists). */
    private volatile Set<String> podsWithContainersAtStart;
    private final Set<String> syncedBefore = ConcurrentHashMap.newKeySet();

    public PodSyncer(KubernetesClient client, KubeletOptions options, ContainerRuntime runtime, PodNetwork network,
                     ImagePuller images, VolumeManager volumes, ProbeManager probes, EventRecorder events,
                     Prober prober, Supplier<String> hostIp, ExecutorService sidePool, MeterRegistry metrics,
                     PodStartTraces traces) {
        this.runtime = runtime;
        this.network = network;
        this.images = images;
        this.volumes = volumes;
        this.probes = probes;
        this.events = events;
        this.hostIp = hostIp;
        this.traces = traces;
        this.admission = new PodAdmission(PodAdmission::hostHasAppArmor);
        this.terminator = new PodTerminator(client, runtime, events, prober, sidePool);
        this.sandboxes = new PodSandboxes(runtime, options, network, images, events, sidePool, traces, terminator);
        SecurityContexts security = new SecurityContexts(options.rootDir().resolve("seccomp"),
                admission.appArmorEnabled(), runtime::imageUser);
        this.containers = new ContainerSync(runtime, images, probes, events, traces,
                new ContainerConfigs(client, volumes, options.nodeName(), hostIp, security,
                        new PodDnsFiles(options.dns(), (pod, message) -> events.warning(pod, "DNSConfigForming", message))));
        this.statusWriter = new PodStatusWriter(client, metrics, traces);
    }

    /**
     * Tells which pods had containers before this kubelet started, so that the first sync of any other pod skips the
     * runtime's list: only this kubelet's syncs of that pod, which run one at a time, can have created containers for it.
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
            terminator.terminate(pod);
            probes.removePod(uid);
            runningContainers.remove(uid);
            return null;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            terminator.stopFinished(uid);
            runningContainers.remove(uid);
            return null;
        }
        if (phase == null || "Pending".equals(phase)) {
            PodAdmission.Rejection rejection = admission.check(pod);
            if (rejection != null) {
                reject(pod, rejection);
                return null;
            }
        }
        boolean hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        if (!hostNetwork && !network.ready()) {
            return ContainerSync.SOON;
        }
        return syncRunning(pod, hostNetwork);
    }

    private Duration syncRunning(Pod pod, boolean hostNetwork) {
        String uid = pod.getMetadata().getUid();
        Instant now = Instant.now();
        Set<String> atStart = podsWithContainersAtStart;
        boolean fresh = syncedBefore.add(uid) && atStart != null && !atStart.contains(uid);
        List<ContainerRecord> listed = fresh ? List.of() : traces.time(uid, "list", () -> runtime.podContainers(uid));
        PodSandboxes.Outcome sandboxed = sandboxes.ensure(pod, hostNetwork, listed);
        ContainerRecord sandbox = sandboxed.sandbox();
        Duration next = ContainerSync.STEADY;
        ContainerSync.Blocked blocked = null;
        if (sandbox == null) {
            blocked = new ContainerSync.Blocked("ContainerCreating", sandboxed.failure());
            next = Duration.ofSeconds(5);
        }
        String podIp = sandbox == null ? null : hostNetwork ? hostIp.get() : sandbox.ipAddress();
        if (hostNetwork && sandbox != null) {
            sandbox = withIp(sandbox, hostIp.get());
        }
        Map<String, Path> podVolumes = null;
        if (sandbox != null) {
            try {
                podVolumes = traces.time(uid, "volumes", () -> volumes.prepare(pod));
            } catch (ContainerConfigException e) {
                blocked = new ContainerSync.Blocked(e.reason(), e.getMessage());
                next = ContainerSync.SOON;
            } catch (VolumeMountException e) {
                // as the kubelet's volume manager: FailedMount, and the pod waits in ContainerCreating
                events.warning(pod, "FailedMount", e.getMessage());
                blocked = new ContainerSync.Blocked("ContainerCreating", null);
                next = ContainerSync.SOON;
            }
        }
        ContainerSync.Result result = containers.sync(pod, sandboxed.containers(), sandbox, podIp, podVolumes, blocked, now);
        next = ContainerSync.min(next, result.next());
        long built = System.nanoTime();
        PodStatus status = PodStatusCalculator.build(pod,
                new PodStatusCalculator.Observation(sandbox, result.init(), result.app(), hostIp.get()), Instant.now());
        traces.span(uid, "status_build", built, System.nanoTime());
        int running = (int) result.app().stream().filter(v -> v.current() != null && v.current().running()).count();
        runningContainers.put(uid, running);
        statusWriter.write(pod, status);
        return next;
    }

    /** As the kubelet's rejectPod: an event, and the pod Failed with the admit handler's reason, before anything ran. */
    private void reject(Pod pod, PodAdmission.Rejection rejection) {
        events.warning(pod, rejection.reason(), rejection.message());
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        statusWriter.write(pod, new PodStatusBuilder(old).withPhase("Failed").withReason(rejection.reason())
                .withMessage("Pod was rejected: " + rejection.message()).build());
        log.info("pod {}/{} rejected: {}", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                rejection.message());
    }

    private static ContainerRecord withIp(ContainerRecord c, String ip) {
        return new ContainerRecord(c.id(), c.kind(), c.containerName(), c.restartCount(), c.state(), c.exitCode(),
                c.oomKilled(), c.error(), c.createdAt(), c.startedAt(), c.finishedAt(), c.image(), c.imageId(), ip, c.labels());
    }

    /** The pod is gone from the API: stop and remove everything of it on this node, and forget it. */
    private void teardown(String uid) {
        int removed = terminator.removeAll(uid);
        probes.removePod(uid);
        volumes.cleanup(uid);
        images.forget(uid);
        events.forget(uid);
        containers.forget(uid);
        statusWriter.forget(uid);
        traces.discard(uid);
        syncedBefore.remove(uid);
        runningContainers.remove(uid);
        if (removed > 0) {
            log.info("removed {} containers of deleted pod {}", removed, uid);
        }
    }
}
