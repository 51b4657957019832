package dev.keelson.apiserver.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {

    @Test
    void missingValuesInASetAreTheEmptyValueAsInKubernetes() {
        assertEquals(Set.of("", "b"), LabelSelector.parse("e in (,b)").requirements().get(0).values());
        assertEquals(Set.of("", "b"), LabelSelector.parse("e in (b,)").requirements().get(0).values());
        assertEquals(Set.of(""), LabelSelector.parse("e in ()").requirements().get(0).values());
        assertEquals(Set.of("a", "b"), LabelSelector.parse("e in (a, b)").requirements().get(0).values());
    }

    @Test
    void aPrintedSelectorParsesBackToTheSameRequirements() {
        LabelSelector s = LabelSelector.parse("e in (b,),!f,g notin (x),h>3");
        assertEquals(s.requirements(), LabelSelector.parse(s.toString()).requirements());
        assertTrue(s.matches(Map.of("e", "b", "h", "4")));
        assertFalse(s.matches(Map.of("e", "b", "f", "", "h", "4")));
    }
}
