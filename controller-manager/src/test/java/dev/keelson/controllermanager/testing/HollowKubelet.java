package dev.keelson.controllermanager.testing;

import dev.keelson.controllermanager.common.Times;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for kubelets in integration tests: every pod of one namespace that is not being deleted is reported
 * Running with a pod IP and, after {@code readyDelay}, Ready=True, through pods/status. No containers run.
 */
public final class HollowKubelet implements AutoCloseable {
    private static final AtomicInteger NEXT_IP = new AtomicInteger(1);

    private final KubernetesClient client;
    private final Duration readyDelay;
    private final boolean finishDeletions;
    private final SharedIndexInformer<Pod> informer;
    private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);

    public HollowKubelet(KubernetesClient client, String namespace, Duration readyDelay) {
        this(client, namespace, readyDelay, false);
    }

    /**
     * @param finishDeletions remove a pod once it is marked for deletion, as a kubelet does after stopping its
     *                        containers (otherwise it stays terminating, as on a node that is gone)
     */
    public HollowKubelet(KubernetesClient client, String namespace, Duration readyDelay, boolean finishDeletions) {
        this.client = client;
        this.readyDelay = readyDelay;
        this.finishDeletions = finishDeletions;
        this.informer = client.pods().inNamespace(namespace).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                schedule(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                schedule(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
            }
        });
    }

    private void schedule(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null && finishDeletions) {
            timers.execute(() -> {
                try {
                    client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                            .withGracePeriod(0).delete();
                } catch (KubernetesClientException e) {
                    // gone already
                }
            });
            return;
        }
        if (pod.getMetadata().getDeletionTimestamp() != null || isReady(pod)) {
            return;
        }
        timers.schedule(() -> markReady(pod.getMetadata().getNamespace(), pod.getMetadata().getName()),
                readyDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void markReady(String namespace, String name) {
        try {
            Pod pod = client.pods().inNamespace(namespace).withName(name).get();
            if (pod == null || pod.getMetadata().getDeletionTimestamp() != null || isReady(pod)) {
                return;
            }
            setReady(client, pod, true);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                timers.schedule(() -> markReady(namespace, name), 50, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Reports {@code pod} Running with an IP and the given readiness. */
    public static Pod setReady(KubernetesClient client, Pod pod, boolean ready) {
        String now = Times.now();
        PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        status.setPhase("Running");
        if (status.getPodIP() == null) {
            int n = NEXT_IP.getAndIncrement();
            status.setPodIP("10.244." + (n / 250) + "." + (n % 250 + 2));
        }
        status.setStartTime(status.getStartTime() == null ? now : status.getStartTime());
        String s = ready ? "True" : "False";
        status.setConditions(List.of(
                condition("Initialized", "True", now),
                condition("Ready", s, now),
                condition("ContainersReady", s, now),
                condition("PodScheduled", "True", now)));
        pod.setStatus(status);
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).updateStatus();
    }

    private static PodCondition condition(String type, String status, String now) {
        PodCondition c = new PodCondition();
        c.setType(type);
        c.setStatus(status);
        c.setLastTransitionTime(now);
        return c;
    }

    public static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Override
    public void close() {
        informer.close();
        timers.shutdownNow();
    }
}
