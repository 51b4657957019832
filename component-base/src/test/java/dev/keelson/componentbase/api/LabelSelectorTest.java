package dev.keelson.componentbase.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
    private static final Map<String, String> WEB = Map.of("app", "web", "tier", "fe", "gen", "3");

    @Test
    void theStringSyntaxParsesMatchesAndPrintsBack() {
        LabelSelector s = LabelSelector.parse("app=web, tier in (fe,be),!canary,gen");
        assertTrue(s.matches(WEB));
        assertFalse(s.matches(Map.of("app", "web", "tier", "fe", "canary", "1", "gen", "1")));
        assertEquals(s.requirements(), LabelSelector.parse(s.toString()).requirements());
        assertThrows(SelectorException.class, () -> LabelSelector.parse("app in web"));
        assertTrue(LabelSelector.parse("").isEmpty());
    }

    @Test
    void aLabelSelectorObjectIsNothingWhenNilEverythingWhenEmptyAndNothingWhenMalformed() {
        assertTrue(LabelSelector.of(new LabelSelectorBuilder().addToMatchLabels("app", "web")
                .addNewMatchExpression().withKey("tier").withOperator("NotIn").withValues("be").endMatchExpression()
                .build()).matches(WEB));
        assertFalse(LabelSelector.of((io.fabric8.kubernetes.api.model.LabelSelector) null).matches(WEB));
        assertTrue(LabelSelector.of(new LabelSelectorBuilder().build()).matches(WEB));
        assertFalse(LabelSelector.of(new LabelSelectorBuilder().addNewMatchExpression().withKey("app")
                .withOperator("In").endMatchExpression().build()).matches(WEB), "In needs values");
        assertFalse(LabelSelector.of(new LabelSelectorBuilder().addNewMatchExpression().withKey("gen")
                .withOperator("Gt").withValues("1").endMatchExpression().build()).matches(WEB),
                "Gt is not a label selector operator");
    }

    @Test
    void controllersSelectNothingWithAnEmptySelector() {
        assertTrue(LabelSelector.forController(new LabelSelectorBuilder().build()).isNothing());
        assertTrue(LabelSelector.forController(null).isNothing());
        assertTrue(LabelSelector.forController(new LabelSelectorBuilder().addToMatchLabels("app", "web").build())
                .matches(WEB));
    }

    @Test
    void jsonSelectorsAndLabelMapsMatchAsTheirObjects() throws Exception {
        var json = new ObjectMapper().readTree("{\"matchLabels\":{\"app\":\"web\"},"
                + "\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"Exists\"}]}");
        assertTrue(LabelSelector.of(json).matches(WEB));
        assertFalse(LabelSelector.of(json).matches(Map.of("app", "web")));
        assertTrue(LabelSelector.ofMap(Map.of("app", "web")).matches(WEB));
        assertFalse(LabelSelector.ofMap(Map.of("app", "db")).matches(WEB));
        assertTrue(LabelSelector.ofMap(Map.of()).matches((Map<String, String>) null));
    }

    @Test
    void nodeSelectorRequirementsCompareNumbersAndNeedOneIntegerForThem() {
        var gt = new NodeSelectorRequirement("gen", "Gt", List.of("2"));
        assertTrue(LabelSelector.ofNodeSelectorRequirements(List.of(gt)).matches(WEB));
        assertFalse(LabelSelector.ofNodeSelectorRequirements(List.of(new NodeSelectorRequirement("gen", "Lt",
                List.of("2")))).matches(WEB));
        assertTrue(LabelSelector.ofNodeSelectorRequirements(List.of(new NodeSelectorRequirement("gen", "Gt",
                List.of("x")))).isNothing());
        assertTrue(LabelSelector.ofNodeSelectorRequirements(List.of()).isNothing());
    }

    @Test
    void missingValuesInASetAreTheEmptyValueAsInKubernetes() {
        assertEquals(java.util.Set.of("", "b"), LabelSelector.parse("e in (,b)").requirements().get(0).values());
        assertEquals(java.util.Set.of("", "b"), LabelSelector.parse("e in (b,)").requirements().get(0).values());
        assertEquals(java.util.Set.of(""), LabelSelector.parse("e in ()").requirements().get(0).values());
        LabelSelector s = LabelSelector.parse("e in (b,),!f,g notin (x),h>3");
        assertEquals(s.requirements(), LabelSelector.parse(s.toString()).requirements());
    }
}
