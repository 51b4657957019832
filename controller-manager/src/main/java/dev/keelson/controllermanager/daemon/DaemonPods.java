package dev.keelson.controllermanager.daemon;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.controllermanager.common.ControllerHistory;
import dev.keelson.controllermanager.common.PodControl;
import dev.keelson.controllermanager.nodelifecycle.Taints;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which nodes a DaemonSet's pod belongs on and what that pod looks like, as Kubernetes' daemon util does: the
 * tolerations every daemon pod gets (NodeShouldRunDaemonPod judges the node with them), the required node affinity
 * term {@code metadata.name In [node]} that binds the pod to its node through the scheduler
 * (ReplaceDaemonSetPodNodeNameNodeAffinity), and the template generation and revision hash labels.
 */
public final class DaemonPods {
    /** extensions.DaemonSetTemplateGenerationKey. */
    public static final String TEMPLATE_GENERATION_LABEL = "pod-template-generation";
    public static final String TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";

    private DaemonPods() {
    }

    /** Whether the node should run the daemon pod, and whether a pod already there may keep running. */
    public record Decision(boolean shouldRun, boolean shouldContinueRunning) {
    }

    /** NodeShouldRunDaemonPod. */
    public static Decision shouldRun(Node node, DaemonSet ds) {
        PodSpec spec = withDaemonTolerations(ds.getSpec().getTemplate().getSpec());
        String nodeName = node.getMetadata().getName();
        if (spec.getNodeName() != null && !spec.getNodeName().isEmpty() && !spec.getNodeName().equals(nodeName)) {
            return new Decision(false, false);
        }
        if (!fitsNodeAffinity(spec, node)) {
            return new Decision(false, false);
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        boolean fitsTaints = true;
        boolean toleratesNoExecute = true;
        for (Taint t : taints) {
            if (!"NoSchedule".equals(t.getEffect()) && !"NoExecute".equals(t.getEffect())) {
                continue;
            }
            boolean tolerated = spec.getTolerations().stream().anyMatch(tol -> Taints.tolerates(tol, t));
            if (!tolerated) {
                fitsTaints = false;
                if ("NoExecute".equals(t.getEffect())) {
                    toleratesNoExecute = false;
                }
            }
        }
        return fitsTaints ? new Decision(true, true) : new Decision(false, toleratesNoExecute);
    }

    /** The pod's nodeSelector and required node affinity terms (any term) against the node. */
    static boolean fitsNodeAffinity(PodSpec spec, Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        if (spec.getNodeSelector() != null && !LabelSelector.ofMap(spec.getNodeSelector()).matches(labels)) {
            return false;
        }
        NodeSelector required = spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null ? null
                : spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        if (required == null || required.getNodeSelectorTerms() == null) {
            return true;
        }
        for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
            if (termMatches(term, labels, node.getMetadata().getName())) {
                return true;
            }
        }
        return false;
    }

    private static boolean termMatches(NodeSelectorTerm term, Map<String, String> labels, String nodeName) {
        boolean hasExpressions = term.getMatchExpressions() != null && !term.getMatchExpressions().isEmpty();
        boolean hasFields = term.getMatchFields() != null && !term.getMatchFields().isEmpty();
        if (!hasExpressions && !hasFields) {
            return false;
        }
        if (hasExpressions && !LabelSelector.ofNodeSelectorRequirements(term.getMatchExpressions()).matches(labels)) {
            return false;
        }
        if (hasFields) {
            boolean known = term.getMatchFields().stream().allMatch(r -> "metadata.name".equals(r.getKey()));
            return known && LabelSelector.ofNodeSelectorRequirements(term.getMatchFields())
                    .matches(Map.of("metadata.name", nodeName));
        }
        return true;
    }

    /** AddOrUpdateDaemonPodTolerations on a copy of the spec. */
    static PodSpec withDaemonTolerations(PodSpec template) {
        PodSpec spec = new io.fabric8.kubernetes.api.model.PodSpecBuilder(template).build();
        List<Toleration> tolerations = spec.getTolerations() == null ? new ArrayList<>()
                : new ArrayList<>(spec.getTolerations());
        addOrUpdate(tolerations, "node.kubernetes.io/not-ready", "NoExecute");
        addOrUpdate(tolerations, "node.kubernetes.io/unreachable", "NoExecute");
        addOrUpdate(tolerations, "node.kubernetes.io/disk-pressure", "NoSchedule");
        addOrUpdate(tolerations, "node.kubernetes.io/memory-pressure", "NoSchedule");
        addOrUpdate(tolerations, "node.kubernetes.io/pid-pressure", "NoSchedule");
        addOrUpdate(tolerations, "node.kubernetes.io/unschedulable", "NoSchedule");
        if (Boolean.TRUE.equals(spec.getHostNetwork())) {
            addOrUpdate(tolerations, "node.kubernetes.io/network-unavailable", "NoSchedule");
        }
        spec.setTolerations(tolerations);
        return spec;
    }

    /** AddOrUpdateTolerationInPodSpec for an Exists toleration: kept once, appended when missing. */
    private static void addOrUpdate(List<Toleration> tolerations, String key, String effect) {
        for (Toleration t : tolerations) {
            if (key.equals(t.getKey()) && "Exists".equals(t.getOperator()) && effect.equals(t.getEffect())
                    && (t.getValue() == null || t.getValue().isEmpty())) {
                return;
            }
        }
        Toleration t = new Toleration();
        t.setKey(key);
        t.setOperator("Exists");
        t.setEffect(effect);
        tolerations.add(t);
    }

    /**
     * The pod for {@code nodeName}: the template with the daemon tolerations, the node affinity replaced by
     * {@code metadata.name In [nodeName]} (other required terms dropped, preferred ones kept), and the revision hash
     * and template generation labels.
     */
    public static Pod newPod(DaemonSet ds, String nodeName, String hash) {
        Pod pod = PodControl.fromTemplate(ds.getSpec().getTemplate(), ds);
        pod.setSpec(withDaemonTolerations(pod.getSpec()));
        Map<String, String> labels = new HashMap<>(pod.getMetadata().getLabels());
        labels.put(ControllerHistory.HASH_LABEL, hash);
        String generation = templateGeneration(ds);
        if (generation != null) {
            labels.put(TEMPLATE_GENERATION_LABEL, generation);
        }
        pod.getMetadata().setLabels(labels);
        replaceNodeAffinity(pod.getSpec(), nodeName);
        return pod;
    }

    /** ReplaceDaemonSetPodNodeNameNodeAffinity. */
    static void replaceNodeAffinity(PodSpec spec, String nodeName) {
        NodeSelectorRequirement field = new NodeSelectorRequirement("metadata.name", "In", List.of(nodeName));
        NodeSelectorTerm term = new NodeSelectorTerm();
        term.setMatchFields(new ArrayList<>(List.of(field)));
        Affinity affinity = spec.getAffinity() == null ? new Affinity() : spec.getAffinity();
        NodeAffinity nodeAffinity = affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
        nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(new NodeSelector(new ArrayList<>(List.of(term))));
        affinity.setNodeAffinity(nodeAffinity);
        spec.setAffinity(affinity);
    }

    /** The template generation the apps/v1 annotation carries (null when absent). */
    static String templateGeneration(DaemonSet ds) {
        Map<String, String> a = ds.getMetadata().getAnnotations();
        return a == null ? null : a.get(TEMPLATE_GENERATION_ANNOTATION);
    }

    /** util.IsPodUpdated: the pod carries the current hash, or the current template generation. */
    static boolean isUpdated(Pod pod, String hash, String generation) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        boolean hashMatches = hash != null && !hash.isEmpty() && hash.equals(labels.get(ControllerHistory.HASH_LABEL));
        boolean generationMatches = generation != null && generation.equals(labels.get(TEMPLATE_GENERATION_LABEL));
        return hashMatches || generationMatches;
    }

    /** util.GetTargetNodeName: spec.nodeName, or the node a metadata.name matchFields term names. */
    static String targetNode(Pod pod) {
        if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
            return pod.getSpec().getNodeName();
        }
        Affinity a = pod.getSpec().getAffinity();
        if (a == null || a.getNodeAffinity() == null
                || a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return null;
        }
        for (NodeSelectorTerm term : a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()) {
            if (term.getMatchFields() == null) {
                continue;
            }
            for (NodeSelectorRequirement r : term.getMatchFields()) {
                if ("metadata.name".equals(r.getKey()) && "In".equals(r.getOperator()) && r.getValues() != null
                        && r.getValues().size() == 1) {
                    return r.getValues().get(0);
                }
            }
        }
        return null;
    }

    static boolean sameNode(Pod pod, String node) {
        return Objects.equals(targetNode(pod), node);
    }
}
