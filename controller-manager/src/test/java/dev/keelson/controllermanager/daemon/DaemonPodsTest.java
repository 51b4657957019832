package dev.keelson.controllermanager.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonPodsTest {
    private static DaemonSet ds(boolean hostNetwork, Map<String, String> nodeSelector, Toleration... tolerations) {
        return new DaemonSetBuilder().withNewMetadata().withName("agent").withNamespace("ns").withUid("u1")
                .addToAnnotations("deprecated.daemonset.template.generation", "3").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", "agent").endSelector().withNewTemplate()
                .withNewMetadata().addToLabels("app", "agent").endMetadata().withNewSpec().withHostNetwork(hostNetwork)
                .withNodeSelector(nodeSelector).withTolerations(tolerations).addNewContainer().withName("c")
                .withImage("i").endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static Node node(String name, Map<String, String> labels, Taint... taints) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().withNewSpec()
                .withTaints(taints).endSpec().build();
    }

    @Test
    void daemonTolerationsLetPodsOntoPressuredAndCordonedNodes() {
        DaemonSet ds = ds(false, null);
        for (String key : List.of("node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
                "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable")) {
            assertTrue(DaemonPods.shouldRun(node("n", Map.of(), new Taint("NoSchedule", key, null, null)), ds).shouldRun(),
                    key);
        }
        assertTrue(DaemonPods.shouldRun(node("n", Map.of(), new Taint("NoExecute", "node.kubernetes.io/not-ready",
                null, null)), ds).shouldRun());
        Node unavailable = node("n", Map.of(), new Taint("NoSchedule", "node.kubernetes.io/network-unavailable", null,
                null));
        assertFalse(DaemonPods.shouldRun(unavailable, ds).shouldRun(), "only host-network pods tolerate it");
        assertTrue(DaemonPods.shouldRun(unavailable, ds(true, null)).shouldRun());
    }

    @Test
    void untoleratedTaintsStopNewPodsButOnlyNoExecuteEvicts() {
        DaemonSet ds = ds(false, null);
        DaemonPods.Decision noSchedule = DaemonPods.shouldRun(node("n", Map.of(), new Taint("NoSchedule", "x", null, "y")), ds);
        assertEquals(new DaemonPods.Decision(false, true), noSchedule);
        DaemonPods.Decision noExecute = DaemonPods.shouldRun(node("n", Map.of(), new Taint("NoExecute", "x", null, "y")), ds);
        assertEquals(new DaemonPods.Decision(false, false), noExecute);
        Toleration t = new Toleration("NoExecute", "x", "Equal", null, "y");
        assertTrue(DaemonPods.shouldRun(node("n", Map.of(), new Taint("NoExecute", "x", null, "y")), ds(false, null, t))
                .shouldRun());
        assertTrue(DaemonPods.shouldRun(node("n", Map.of(), new Taint("PreferNoSchedule", "x", null, "y")), ds)
                .shouldRun(), "PreferNoSchedule does not keep a daemon pod off");
    }

    @Test
    void nodeSelectorDecidesAndThePodIsBoundByNodeNameAffinity() {
        DaemonSet ds = ds(false, Map.of("disk", "ssd"));
        assertEquals(new DaemonPods.Decision(false, false), DaemonPods.shouldRun(node("a", Map.of()), ds));
        assertTrue(DaemonPods.shouldRun(node("b", Map.of("disk", "ssd")), ds).shouldRun());
        Pod pod = DaemonPods.newPod(ds, "b", "h1");
        assertEquals("b", DaemonPods.targetNode(pod));
        assertEquals(null, pod.getSpec().getNodeName(), "the scheduler binds it");
        assertEquals("h1", pod.getMetadata().getLabels().get("controller-revision-hash"));
        assertEquals("3", pod.getMetadata().getLabels().get("pod-template-generation"));
        assertEquals(6, pod.getSpec().getTolerations().size());
        assertTrue(DaemonPods.isUpdated(pod, "other", "3"), "the template generation also marks it updated");
        assertFalse(DaemonPods.isUpdated(pod, "other", "4"));
    }
}
