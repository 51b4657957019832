package dev.keelson.controllermanager.testing;

import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Stands in for kubelets running Job pods in integration tests: every new pod of one namespace is reported as its
 * only container having exited with the code {@code exitCode} gives it (0: phase Succeeded, else Failed; -1 leaves it
 * Running), through pods/status. It records the most pods it saw running at once. No containers run.
 */
public final class JobKubelet implements AutoCloseable {
    private final KubernetesClient client;
    private final ToIntFunction<Pod> exitCode;
    private final SharedIndexInformer<Pod> informer;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger maxRunning = new AtomicInteger();

    public JobKubelet(KubernetesClient client, String namespace, ToIntFunction<Pod> exitCode) {
        this.client = client;
        this.exitCode = exitCode;
        this.informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (pod.getMetadata().getDeletionTimestamp() == null && seen.add(pod.getMetadata().getUid())) {
                    running.add(pod.getMetadata().getUid());
                    maxRunning.accumulateAndGet(running.size(), Math::max);
                    workers.submit(() -> finish(pod));
                }
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                if (pod.getMetadata().getDeletionTimestamp() != null) {
                    running.remove(pod.getMetadata().getUid());
                }
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                running.remove(pod.getMetadata().getUid());
            }
        });
    }

    /** The most pods that were running (created, not yet finished or deleted) at one time. */
    public int maxRunning() {
        return maxRunning.get();
    }

    private void finish(Pod pod) {
        int code = exitCode.applyAsInt(pod);
        String now = Times.now();
        PodStatus status = new PodStatus();
        status.setStartTime(now);
        String container = pod.getSpec().getContainers().get(0).getName();
        ContainerStatus cs;
        if (code < 0) {
            status.setPhase("Running");
            cs = new ContainerStatusBuilder().withName(container).withReady(true).withRestartCount(0)
                    .withImage(pod.getSpec().getContainers().get(0).getImage())
                    .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(now).endRunning().build())
                    .build();
        } else {
            status.setPhase(code == 0 ? "Succeeded" : "Failed");
            cs = new ContainerStatusBuilder().withName(container).withReady(false).withRestartCount(0)
                    .withImage(pod.getSpec().getContainers().get(0).getImage())
                    .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(code)
                            .withReason(code == 0 ? "Completed" : "Error").withStartedAt(now).withFinishedAt(now)
                            .endTerminated().build())
                    .build();
        }
        status.setContainerStatuses(List.of(cs));
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                Pod fresh = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).get();
                if (fresh == null || fresh.getMetadata().getDeletionTimestamp() != null) {
                    running.remove(pod.getMetadata().getUid());
                    return;
                }
                fresh.setStatus(status);
                if (code >= 0) {
                    // counted out before the controller can see it finished and start its replacement
                    running.remove(pod.getMetadata().getUid());
                }
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(fresh).updateStatus();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        informer.close();
        workers.shutdownNow();
    }
}
