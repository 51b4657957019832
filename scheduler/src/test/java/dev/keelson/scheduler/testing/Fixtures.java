package dev.keelson.scheduler.testing;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** Builders for the Node and Pod objects tests schedule, shaped like what a kubelet registers and a user creates. */
public final class Fixtures {
    private Fixtures() {}

    /** A Ready node with the given allocatable cpu, memory and pod count (ephemeral-storage 100Gi). */
    public static NodeBuilder node(String name, String cpu, String memory, int pods) {
        Map<String, Quantity> alloc = Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory),
                "pods", new Quantity(Integer.toString(pods)), "ephemeral-storage", new Quantity("100Gi"));
        return new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().withCapacity(alloc).withAllocatable(alloc)
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady").endCondition()
                .endStatus();
    }

    public static Node readyNode(String name, String cpu, String memory) {
        return node(name, cpu, memory, 110).build();
    }

    /** A pod with one container requesting the given cpu and memory (null for no request). */
    public static PodBuilder pod(String name, String cpu, String memory) {
        ContainerBuilder c = new ContainerBuilder().withName("app").withImage("nginx");
        if (cpu != null) {
            c.editOrNewResources().addToRequests("cpu", new Quantity(cpu)).endResources();
        }
        if (memory != null) {
            c.editOrNewResources().addToRequests("memory", new Quantity(memory)).endResources();
        }
        return new PodBuilder().withNewMetadata().withName(name).withNamespace("default").withUid("uid-" + name).endMetadata()
                .withNewSpec().withSchedulerName("default-scheduler").withContainers(c.build()).endSpec();
    }

    public static Pod pendingPod(String name, String cpu, String memory) {
        return pod(name, cpu, memory).build();
    }
}
