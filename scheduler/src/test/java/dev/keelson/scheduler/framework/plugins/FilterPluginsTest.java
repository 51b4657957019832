package dev.keelson.scheduler.framework.plugins;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static dev.keelson.scheduler.testing.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keelson.scheduler.framework.FilterResult;
import dev.keelson.scheduler.framework.NodeInfo;
import dev.keelson.scheduler.framework.PodInfo;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterPluginsTest {
    private static PodInfo p(PodBuilder b) {
        return PodInfo.of(b.build());
    }

    private static NodeInfo n(Node node) {
        return NodeInfo.of(node);
    }

    private static List<String> reasons(FilterResult r) {
        return r == null ? List.of() : r.reasons();
    }

    @Test
    void cordonedNodeIsRejectedUnlessThePodToleratesIt() {
        NodeInfo cordoned = n(node("n", "1", "1Gi", 10).editSpec().withUnschedulable(true).endSpec().build());
        NodeUnschedulable plugin = new NodeUnschedulable();
        assertEquals(List.of("node(s) were unschedulable"), reasons(plugin.filter(p(pod("p", null, null)), cordoned)));
        PodBuilder tolerating = pod("p", null, null).editSpec().addNewToleration()
                .withKey("node.kubernetes.io/unschedulable").withOperator("Exists").withEffect("NoSchedule").endToleration().endSpec();
        assertNull(plugin.filter(p(tolerating), cordoned));
        assertNull(plugin.filter(p(pod("p", null, null)), n(node("m", "1", "1Gi", 10).build())));
    }

    @Test
    void podNamingANodeFitsOnlyThatNode() {
        PodInfo named = p(pod("p", null, null).editSpec().withNodeName("a").endSpec());
        NodeName plugin = new NodeName();
        assertNull(plugin.filter(named, n(node("a", "1", "1Gi", 10).build())));
        assertEquals(List.of("node(s) didn't match the requested node name"),
                reasons(plugin.filter(named, n(node("b", "1", "1Gi", 10).build()))));
    }

    @Test
    void untoleratedNoScheduleAndNoExecuteTaintsRejectTheNode() {
        TaintToleration plugin = new TaintToleration();
        NodeInfo tainted = n(node("n", "1", "1Gi", 10).editSpec().addNewTaint().withKey("dedicated").withValue("gpu")
                .withEffect("NoSchedule").endTaint().endSpec().build());
        assertEquals(List.of("node(s) had untolerated taint {dedicated: gpu}"),
                reasons(plugin.filter(p(pod("p", null, null)), tainted)));
        NodeInfo noExecute = n(node("n", "1", "1Gi", 10).editSpec().addNewTaint().withKey("evict")
                .withEffect("NoExecute").endTaint().endSpec().build());
        assertEquals(List.of("node(s) had untolerated taint {evict: }"),
                reasons(plugin.filter(p(pod("p", null, null)), noExecute)));
        NodeInfo preferOnly = n(node("n", "1", "1Gi", 10).editSpec().addNewTaint().withKey("soft")
                .withEffect("PreferNoSchedule").endTaint().endSpec().build());
        assertNull(plugin.filter(p(pod("p", null, null)), preferOnly));
    }

    @Test
    void matchingTolerationsLetThePodThrough() {
        TaintToleration plugin = new TaintToleration();
        NodeInfo tainted = n(node("n", "1", "1Gi", 10).editSpec().addNewTaint().withKey("dedicated").withValue("gpu")
                .withEffect("NoSchedule").endTaint().endSpec().build());
        PodBuilder equal = pod("p", null, null).editSpec().addNewToleration().withKey("dedicated").withOperator("Equal")
                .withValue("gpu").withEffect("NoSchedule").endToleration().endSpec();
        PodBuilder exists = pod("p", null, null).editSpec().addNewToleration().withKey("dedicated").withOperator("Exists")
                .endToleration().endSpec();
        PodBuilder everything = pod("p", null, null).editSpec().addNewToleration().withOperator("Exists").endToleration().endSpec();
        PodBuilder wrongValue = pod("p", null, null).editSpec().addNewToleration().withKey("dedicated")
                .withValue("cpu").withEffect("NoSchedule").endToleration().endSpec();
        PodBuilder wrongEffect = pod("p", null, null).editSpec().addNewToleration().withKey("dedicated")
                .withValue("gpu").withEffect("NoExecute").endToleration().endSpec();
        assertNull(plugin.filter(p(equal), tainted));
        assertNull(plugin.filter(p(exists), tainted));
        assertNull(plugin.filter(p(everything), tainted));
        assertEquals(1, reasons(plugin.filter(p(wrongValue), tainted)).size());
        assertEquals(1, reasons(plugin.filter(p(wrongEffect), tainted)).size());
    }

    @Test
    void notReadyAndUnknownNodesGetTheLifecycleTaintsUnlessTolerated() {
        NodeReady plugin = new NodeReady();
        NodeInfo notReady = n(node("n", "1", "1Gi", 10).editStatus().editFirstCondition().withStatus("False")
                .endCondition().endStatus().build());
        NodeInfo unknown = n(node("n", "1", "1Gi", 10).editStatus().editFirstCondition().withStatus("Unknown")
                .endCondition().endStatus().build());
        NodeInfo noConditions = n(node("n", "1", "1Gi", 10).editStatus().withConditions().endStatus().build());
        assertEquals(List.of("node(s) had untolerated taint {node.kubernetes.io/not-ready: }"),
                reasons(plugin.filter(p(pod("p", null, null)), notReady)));
        assertEquals(List.of("node(s) had untolerated taint {node.kubernetes.io/unreachable: }"),
                reasons(plugin.filter(p(pod("p", null, null)), unknown)));
        assertEquals(1, reasons(plugin.filter(p(pod("p", null, null)), noConditions)).size());
        PodBuilder daemon = pod("p", null, null).editSpec()
                .addNewToleration().withKey("node.kubernetes.io/not-ready").withOperator("Exists").endToleration().endSpec();
        assertNull(plugin.filter(p(daemon), notReady));
        assertNull(plugin.filter(p(pod("p", null, null)), n(node("r", "1", "1Gi", 10).build())));
    }

    @Test
    void nodeSelectorMustMatchAllLabels() {
        NodeAffinity plugin = new NodeAffinity();
        NodeInfo ssd = n(node("n", "1", "1Gi", 10).editMetadata().addToLabels("disk", "ssd").addToLabels("zone", "a")
                .endMetadata().build());
        assertNull(plugin.filter(p(pod("p", null, null).editSpec().addToNodeSelector("disk", "ssd").endSpec()), ssd));
        assertEquals(List.of("node(s) didn't match Pod's node affinity/selector"), reasons(plugin.filter(
                p(pod("p", null, null).editSpec().addToNodeSelector("disk", "ssd").addToNodeSelector("zone", "b").endSpec()), ssd)));
    }

    @Test
    void requiredNodeAffinityTermsAreOredAndExpressionsAnded() {
        NodeAffinity plugin = new NodeAffinity();
        NodeInfo node = n(node("n1", "1", "1Gi", 10).editMetadata().addToLabels("zone", "a").addToLabels("gen", "5")
                .endMetadata().build());
        Pod pod = pod("p", null, null).editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchExpression().withKey("zone").withOperator("In").withValues("b").endMatchExpression().endNodeSelectorTerm()
                .addNewNodeSelectorTerm()
                .addNewMatchExpression().withKey("zone").withOperator("In").withValues("a").endMatchExpression()
                .addNewMatchExpression().withKey("gen").withOperator("Gt").withValues("4").endMatchExpression()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec().build();
        assertNull(plugin.filter(PodInfo.of(pod), node));
        NodeInfo older = n(node("n2", "1", "1Gi", 10).editMetadata().addToLabels("zone", "a").addToLabels("gen", "3")
                .endMetadata().build());
        assertEquals(1, reasons(plugin.filter(PodInfo.of(pod), older)).size());
    }

    @Test
    void matchFieldsSelectsByNodeName() {
        NodeAffinity plugin = new NodeAffinity();
        Pod pod = pod("p", null, null).editSpec().withNewAffinity().withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm().addNewMatchField().withKey("metadata.name").withOperator("In").withValues("n1")
                .endMatchField().endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity().endSpec().build();
        assertNull(plugin.filter(PodInfo.of(pod), n(node("n1", "1", "1Gi", 10).build())));
        assertEquals(1, reasons(plugin.filter(PodInfo.of(pod), n(node("n2", "1", "1Gi", 10).build()))).size());
    }

    @Test
    void conflictingHostPortIsRejectedButOtherProtocolOrAddressIsNot() {
        NodePorts plugin = new NodePorts();
        NodeInfo node = n(node("n", "4", "4Gi", 10).build());
        node.addPod(PodInfo.of(pod("web", null, null).editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(8080).withHostIP("10.0.0.1").endPort().endContainer().endSpec().build()));
        PodInfo same = PodInfo.of(pod("p", null, null).editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(8080).endPort().endContainer().endSpec().build());
        PodInfo udp = PodInfo.of(pod("q", null, null).editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(8080).withProtocol("UDP").endPort().endContainer().endSpec().build());
        PodInfo otherIp = PodInfo.of(pod("r", null, null).editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(8080).withHostIP("10.0.0.2").endPort().endContainer().endSpec().build());
        assertEquals(List.of("node(s) didn't have free ports for the requested pod ports"), reasons(plugin.filter(same, node)));
        assertNull(plugin.filter(udp, node));
        assertNull(plugin.filter(otherIp, node));
    }

    @Test
    void insufficientResourcesAreEachReported() {
        NodeResourcesFit plugin = new NodeResourcesFit();
        NodeInfo node = n(node("n", "1", "1Gi", 2).build());
        node.addPod(PodInfo.of(pod("a", "600m", "512Mi").build()));
        assertNull(plugin.filter(PodInfo.of(pod("fits", "400m", "512Mi").build()), node));
        assertEquals(List.of("Insufficient cpu"), reasons(plugin.filter(PodInfo.of(pod("cpu", "500m", "1Mi").build()), node)));
        assertEquals(List.of("Insufficient cpu", "Insufficient memory"),
                reasons(plugin.filter(PodInfo.of(pod("both", "500m", "600Mi").build()), node)));
        node.addPod(PodInfo.of(pod("b", null, null).build()));
        assertEquals(List.of("Too many pods"), reasons(plugin.filter(PodInfo.of(pod("third", null, null).build()), node)));
    }

    @Test
    void ephemeralStorageAndExtendedResourcesAreChecked() {
        NodeResourcesFit plugin = new NodeResourcesFit();
        NodeInfo node = n(node("n", "1", "1Gi", 10).build());
        Pod storage = pod("s", null, null).editSpec().editFirstContainer().editOrNewResources()
                .addToRequests("ephemeral-storage", new io.fabric8.kubernetes.api.model.Quantity("200Gi")).endResources()
                .endContainer().endSpec().build();
        Pod gpu = pod("g", null, null).editSpec().editFirstContainer().editOrNewResources()
                .addToRequests("example.com/gpu", new io.fabric8.kubernetes.api.model.Quantity("1")).endResources()
                .endContainer().endSpec().build();
        assertEquals(List.of("Insufficient ephemeral-storage"), reasons(plugin.filter(PodInfo.of(storage), node)));
        assertEquals(List.of("Insufficient example.com/gpu"), reasons(plugin.filter(PodInfo.of(gpu), node)));
    }

    @Test
    void removingAPodFreesItsResourcesAndPorts() {
        NodeInfo node = n(node("n", "1", "1Gi", 10).build());
        PodInfo a = PodInfo.of(pod("a", "1", "1Gi").editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(80).endPort().endContainer().endSpec().build());
        node.addPod(a);
        PodInfo b = PodInfo.of(pod("b", "1", "1Gi").editSpec().editFirstContainer()
                .addNewPort().withContainerPort(80).withHostPort(80).endPort().endContainer().endSpec().build());
        assertEquals(2, reasons(new NodeResourcesFit().filter(b, node)).size());
        node.removePod(a);
        assertNull(new NodeResourcesFit().filter(b, node));
        assertNull(new NodePorts().filter(b, node));
    }
}
