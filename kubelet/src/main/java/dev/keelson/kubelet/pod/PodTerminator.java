package dev.keelson.kubelet.pod;

import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.kubelet.probe.Prober;
import dev.keelson.kubelet.runtime.ContainerLabels;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.ContainerRuntime;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a pod's containers: graceful termination of a deleted pod (preStop hooks, SIGTERM, the grace period, the
 * sandbox last), stops of finished pods, and the removal of everything of a pod gone from the API.
 */
final class PodTerminator {
    private static final Logger log = LoggerFactory.getLogger(PodTerminator.class);

    private final KubernetesClient client;
    private final ContainerRuntime runtime;
    private final EventRecorder events;
    private final Prober prober;
    private final ExecutorService sidePool;

    PodTerminator(KubernetesClient client, ContainerRuntime runtime, EventRecorder events, Prober prober,
                  ExecutorService sidePool) {
        this.client = client;
        this.runtime = runtime;
        this.events = events;
        this.prober = prober;
        this.sidePool = sidePool;
    }

    static long gracePeriod(Pod pod) {
        Long g = pod.getSpec().getTerminationGracePeriodSeconds();
        return g == null ? 30 : g;
    }

    /** Graceful deletion: app containers get SIGTERM and the grace period, then the sandbox stops; then the API object goes. */
    void terminate(Pod pod) {
        String uid = pod.getMetadata().getUid();
        Long deletionGrace = pod.getMetadata().getDeletionGracePeriodSeconds();
        long grace = deletionGrace != null ? deletionGrace : gracePeriod(pod);
        stopAll(runtime.podContainers(uid), grace, pod);
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

    /** A pod that finished (Succeeded or Failed): whatever still runs of it stops at once. */
    void stopFinished(String uid) {
        stopAll(runtime.podContainers(uid), 0, null);
    }

    /**
     * Stops running containers, app and init ones in parallel first, the sandbox last. With {@code pod} given, each
     * stop is announced by an event and runs the container's preStop hook first.
     */
    void stopAll(List<ContainerRecord> containers, long grace, Pod pod) {
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
                    runtime.stopContainer(c.id(), left);
                }, sidePool));
            }
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
        for (ContainerRecord c : containers) {
            if (c.running() && ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                runtime.stopPodSandbox(c.id(), Math.min(grace, 2));
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
        Probe asProbe = new ProbeBuilder()
                .withExec(hook.getExec()).withHttpGet(hook.getHttpGet()).withTcpSocket(hook.getTcpSocket())
                .withTimeoutSeconds((int) Math.min(Integer.MAX_VALUE, grace)).build();
        String podIp = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        Prober.Outcome outcome = prober.probe(asProbe, spec, c.id(), podIp);
        if (!outcome.success()) {
            events.warning(pod, "spec.containers{" + spec.getName() + "}", "FailedPreStopHook",
                    "PreStopHook failed: " + outcome.message());
        }
        long spent = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        return Math.max(0, grace - spent);
    }

    /**
     * The pod is gone from the API: stops and removes all its containers, the sandbox last.
     *
     * @return how many containers it had
     */
    int removeAll(String uid) {
        List<ContainerRecord> containers = runtime.podContainers(uid);
        stopAll(containers, 2, null);
        for (ContainerRecord c : containers) {
            if (!ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                runtime.removeContainer(c.id());
            }
        }
        for (ContainerRecord c : containers) {
            if (ContainerLabels.KIND_SANDBOX.equals(c.kind())) {
                runtime.removePodSandbox(c.id());
            }
        }
        return containers.size();
    }
}
