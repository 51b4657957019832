package dev.keelson.scheduler.testing;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Hollow nodes and waiting helpers for tests against a real apiserver: poll with a deadline, report what was seen last. */
public final class ClusterHelper {
    private final KubernetesClient client;

    public ClusterHelper(KubernetesClient client) {
        this.client = client;
    }

    /** Creates a Node object as a kubelet would register it (status included); no kubelet runs. */
    public Node createNode(NodeBuilder node) {
        Node wanted = node.build();
        Node created = client.nodes().resource(wanted).create();
        if (created.getStatus() == null || created.getStatus().getAllocatable() == null
                || created.getStatus().getAllocatable().isEmpty()) {
            // an apiserver that drops status on create still takes it through the status subresource
            created.setStatus(wanted.getStatus());
            created = client.nodes().resource(created).updateStatus();
        }
        return created;
    }

    public static <T> T await(String what, Duration timeout, Supplier<T> probe, java.util.function.Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        while (System.nanoTime() < deadline) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last seen: " + last);
    }

    /** Waits until the pod is bound and returns its node. */
    public String awaitBound(String ns, String name) {
        Pod pod = await("pod " + ns + "/" + name + " to be bound", Duration.ofSeconds(30),
                () -> client.pods().inNamespace(ns).withName(name).get(),
                p -> p != null && p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty());
        return pod.getSpec().getNodeName();
    }

    /** Waits for PodScheduled=False/Unschedulable and returns its message. */
    public String awaitUnschedulable(String ns, String name) {
        Pod pod = await("pod " + ns + "/" + name + " to have PodScheduled=False", Duration.ofSeconds(30),
                () -> client.pods().inNamespace(ns).withName(name).get(),
                p -> podScheduled(p) != null && "False".equals(podScheduled(p).getStatus()));
        return podScheduled(pod).getMessage();
    }

    /** Waits for the unschedulable message to become exactly {@code message} (it follows the cluster as it changes). */
    public void awaitUnschedulableMessage(String ns, String name, String message) {
        await("pod " + ns + "/" + name + " to say \"" + message + "\"", Duration.ofSeconds(30),
                () -> {
                    Pod p = client.pods().inNamespace(ns).withName(name).get();
                    PodCondition c = podScheduled(p);
                    return c == null ? "no PodScheduled condition" : c.getStatus() + "/" + c.getReason() + ": " + c.getMessage();
                },
                s -> s.equals("False/Unschedulable: " + message));
    }

    public static PodCondition podScheduled(Pod p) {
        if (p == null || p.getStatus() == null || p.getStatus().getConditions() == null) {
            return null;
        }
        return p.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst().orElse(null);
    }

    public List<Event> eventsFor(String ns, String podName) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null && podName.equals(e.getInvolvedObject().getName())).toList();
    }
}
