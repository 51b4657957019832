package dev.keelson.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeSelectorMatcherTest {
    private static final Map<String, String> LABELS = Map.of("zone", "a", "gen", "5", "gpu", "yes");

    private static boolean matches(String key, String op, String... values) {
        return NodeSelectorMatcher.compile(new NodeSelectorTermBuilder().addNewMatchExpression()
                .withKey(key).withOperator(op).withValues(values).endMatchExpression().build()).matches(LABELS, "node-1");
    }

    @Test
    void inAndNotIn() {
        assertTrue(matches("zone", "In", "a", "b"));
        assertFalse(matches("zone", "In", "b"));
        assertFalse(matches("missing", "In", "a"));
        assertTrue(matches("zone", "NotIn", "b"));
        assertFalse(matches("zone", "NotIn", "a"));
        assertTrue(matches("missing", "NotIn", "a"));
    }

    @Test
    void existsAndDoesNotExist() {
        assertTrue(matches("gpu", "Exists"));
        assertFalse(matches("missing", "Exists"));
        assertTrue(matches("missing", "DoesNotExist"));
        assertFalse(matches("gpu", "DoesNotExist"));
    }

    @Test
    void gtAndLtCompareIntegers() {
        assertTrue(matches("gen", "Gt", "4"));
        assertFalse(matches("gen", "Gt", "5"));
        assertTrue(matches("gen", "Lt", "10"));
        assertFalse(matches("gen", "Lt", "5"));
        assertFalse(matches("zone", "Gt", "1"), "a non-numeric label never matches");
        assertFalse(matches("gen", "Gt", "x"), "a non-numeric value never matches");
        assertFalse(matches("missing", "Lt", "10"));
    }

    @Test
    void unknownOperatorAndEmptyTermMatchNothing() {
        assertFalse(matches("zone", "Like", "a"));
        assertFalse(NodeSelectorMatcher.compile(new NodeSelectorTermBuilder().build()).matches(LABELS, "node-1"));
    }

    @Test
    void matchFieldsOnlyKnowsMetadataName() {
        assertTrue(NodeSelectorMatcher.compile(new NodeSelectorTermBuilder().addNewMatchField().withKey("metadata.name")
                .withOperator("In").withValues("node-1").endMatchField().build()).matches(LABELS, "node-1"));
        assertFalse(NodeSelectorMatcher.compile(new NodeSelectorTermBuilder().addNewMatchField().withKey("metadata.name")
                .withOperator("NotIn").withValues("node-1").endMatchField().build()).matches(LABELS, "node-1"));
        assertFalse(NodeSelectorMatcher.compile(new NodeSelectorTermBuilder().addNewMatchField().withKey("spec.podCIDR")
                .withOperator("Exists").endMatchField().build()).matches(LABELS, "node-1"));
    }
}
