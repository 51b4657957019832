package dev.keelson.scheduler.framework;

import dev.keelson.componentbase.api.LabelSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/**
 * A compiled NodeSelectorTerm: matchExpressions against node labels and matchFields against metadata.name, all
 * ANDed, each side built once per pod as Kubernetes' NodeSelectorRequirementsAsSelector builds it.
 */
public final class NodeSelectorMatcher {
    private final LabelSelector labels;
    private final LabelSelector fields;

    private NodeSelectorMatcher(LabelSelector labels, LabelSelector fields) {
        this.labels = labels;
        this.fields = fields;
    }

    public static NodeSelectorMatcher compile(NodeSelectorTerm term) {
        List<NodeSelectorRequirement> expressions = term.getMatchExpressions();
        List<NodeSelectorRequirement> matchFields = term.getMatchFields();
        boolean hasExpressions = expressions != null && !expressions.isEmpty();
        boolean hasFields = matchFields != null && !matchFields.isEmpty();
        if (!hasExpressions && !hasFields) {
            // an empty term matches no node, as in Kubernetes
            return new NodeSelectorMatcher(LabelSelector.nothing(), LabelSelector.nothing());
        }
        LabelSelector fieldSelector = LabelSelector.everything();
        if (hasFields) {
            // metadata.name is the only field a node can be selected by; any other field never matches
            boolean known = matchFields.stream().allMatch(r -> "metadata.name".equals(r.getKey()));
            fieldSelector = known ? LabelSelector.ofNodeSelectorRequirements(matchFields) : LabelSelector.nothing();
        }
        return new NodeSelectorMatcher(hasExpressions ? LabelSelector.ofNodeSelectorRequirements(expressions)
                : LabelSelector.everything(), fieldSelector);
    }

    public boolean matches(Map<String, String> nodeLabels, String nodeName) {
        return labels.matches(nodeLabels) && (fields.isEmpty() || fields.matches(Map.of("metadata.name", nodeName)));
    }
}
