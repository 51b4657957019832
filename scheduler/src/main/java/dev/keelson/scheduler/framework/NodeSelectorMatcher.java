package dev.keelson.scheduler.framework;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled NodeSelectorTerm: matchExpressions against node labels and matchFields against
 * metadata.name, all ANDed. Compiled once per pod so matching a node allocates nothing.
 */
public final class NodeSelectorMatcher {
    enum Op { IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT, NEVER }

    record Requirement(String key, Op op, Set<String> values, long number) {}

    private final List<Requirement> labelRequirements;
    private final List<Requirement> fieldRequirements;

    private NodeSelectorMatcher(List<Requirement> labels, List<Requirement> fields) {
        this.labelRequirements = labels;
        this.fieldRequirements = fields;
    }

    public static NodeSelectorMatcher compile(NodeSelectorTerm term) {
        List<Requirement> labels = new ArrayList<>();
        List<Requirement> fields = new ArrayList<>();
        if (term.getMatchExpressions() != null) {
            term.getMatchExpressions().forEach(r -> labels.add(requirement(r)));
        }
        if (term.getMatchFields() != null) {
            term.getMatchFields().forEach(r -> fields.add(
                    "metadata.name".equals(r.getKey()) ? requirement(r) : new Requirement(r.getKey(), Op.NEVER, Set.of(), 0)));
        }
        return new NodeSelectorMatcher(labels, fields);
    }

    private static Requirement requirement(NodeSelectorRequirement r) {
        Set<String> values = r.getValues() == null ? Set.of() : new HashSet<>(r.getValues());
        String op = r.getOperator() == null ? "" : r.getOperator();
        return switch (op) {
            case "In" -> new Requirement(r.getKey(), Op.IN, values, 0);
            case "NotIn" -> new Requirement(r.getKey(), Op.NOT_IN, values, 0);
            case "Exists" -> new Requirement(r.getKey(), Op.EXISTS, values, 0);
            case "DoesNotExist" -> new Requirement(r.getKey(), Op.DOES_NOT_EXIST, values, 0);
            case "Gt", "Lt" -> numeric(r, op.equals("Gt") ? Op.GT : Op.LT);
            // an operator we do not know can never be satisfied, as Kubernetes treats a selector that fails to parse
            default -> new Requirement(r.getKey(), Op.NEVER, values, 0);
        };
    }

    private static Requirement numeric(NodeSelectorRequirement r, Op op) {
        if (r.getValues() == null || r.getValues().size() != 1) {
            return new Requirement(r.getKey(), Op.NEVER, Set.of(), 0);
        }
        try {
            return new Requirement(r.getKey(), op, Set.of(), Long.parseLong(r.getValues().get(0)));
        } catch (NumberFormatException e) {
            return new Requirement(r.getKey(), Op.NEVER, Set.of(), 0);
        }
    }

    /** An empty term (no expressions and no fields) matches no node, as in Kubernetes. */
    public boolean matches(Map<String, String> nodeLabels, String nodeName) {
        if (labelRequirements.isEmpty() && fieldRequirements.isEmpty()) {
            return false;
        }
        for (int i = 0; i < labelRequirements.size(); i++) {
            Requirement r = labelRequirements.get(i);
            if (!satisfied(r, nodeLabels.get(r.key()), nodeLabels.containsKey(r.key()))) {
                return false;
            }
        }
        for (int i = 0; i < fieldRequirements.size(); i++) {
            if (!satisfied(fieldRequirements.get(i), nodeName, true)) {
                return false;
            }
        }
        return true;
    }

    private static boolean satisfied(Requirement r, String value, boolean present) {
        return switch (r.op()) {
            case IN -> present && r.values().contains(value);
            case NOT_IN -> !present || !r.values().contains(value);
            case EXISTS -> present;
            case DOES_NOT_EXIST -> !present;
            case GT, LT -> {
                if (!present) {
                    yield false;
                }
                try {
                    long v = Long.parseLong(value);
                    yield r.op() == Op.GT ? v > r.number() : v < r.number();
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            case NEVER -> false;
        };
    }
}
