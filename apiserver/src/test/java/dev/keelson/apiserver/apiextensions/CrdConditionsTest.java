package dev.keelson.apiserver.apiextensions;

import static dev.keelson.apiserver.apiextensions.Yaml.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class CrdConditionsTest {
    private static ObjectNode crd(String name, String group, String names) {
        return obj("metadata: {name: " + name + "}\nspec: {group: " + group + ", names: " + names
                + ", versions: [{name: v1, served: true, storage: true}]}\n");
    }

    private static ObjectNode accepted(ObjectNode crd, List<ObjectNode> all) {
        crd.set("status", CrdConditions.status(crd, all));
        return crd;
    }

    @Test
    void freshNamesAreAcceptedAndTheDefinitionEstablished() {
        ObjectNode a = accepted(crd("as.x.io", "x.io", "{plural: as, singular: a, kind: A, listKind: AList, "
                + "shortNames: [aa]}"), List.of());
        assertEquals("as", a.at("/status/acceptedNames/plural").asText());
        assertEquals("[\"aa\"]", a.at("/status/acceptedNames/shortNames").toString());
        assertEquals("NoConflicts", CrdConditions.condition(a.get("status"), "NamesAccepted").path("reason").asText());
        assertTrue(CrdConditions.established(a));
        assertEquals("[\"v1\"]", a.at("/status/storedVersions").toString());
    }

    @Test
    void namesAnotherDefinitionOfTheGroupAcceptedAreRefused() {
        ObjectNode a = accepted(crd("as.x.io", "x.io", "{plural: as, singular: a, kind: A, listKind: AList, "
                + "shortNames: [aa]}"), List.of());
        ObjectNode b = accepted(crd("bs.x.io", "x.io", "{plural: bs, singular: b, kind: B, listKind: BList, "
                + "shortNames: [aa]}"), List.of(a));
        assertEquals("{\"type\":\"NamesAccepted\",\"status\":\"False\",\"reason\":\"ShortNamesConflict\","
                + "\"message\":\"\\\"aa\\\" is already in use\"}", withoutTime(b, "NamesAccepted"));
        assertFalse(CrdConditions.established(b));
        ObjectNode other = accepted(crd("bs.y.io", "y.io", "{plural: bs, singular: b, kind: B, listKind: BList, "
                + "shortNames: [aa]}"), List.of(a));
        assertTrue(CrdConditions.established(other), "another group may use the same names");
    }

    @Test
    void anEstablishedDefinitionStaysEstablishedWhenANewNameClashes() {
        ObjectNode a = accepted(crd("as.x.io", "x.io", "{plural: as, singular: a, kind: A, listKind: AList}"),
                List.of());
        ObjectNode b = accepted(crd("bs.x.io", "x.io", "{plural: bs, singular: b, kind: B, listKind: BList}"),
                List.of(a));
        ((ObjectNode) b.at("/spec/names")).put("singular", "a");
        b.set("status", CrdConditions.status(b, List.of(a)));
        assertEquals("SingularConflict", CrdConditions.condition(b.get("status"), "NamesAccepted").path("reason")
                .asText());
        assertEquals("b", b.at("/status/acceptedNames/singular").asText(), "the old accepted name stays");
        assertTrue(CrdConditions.established(b));
    }

    private static String withoutTime(ObjectNode crd, String type) {
        ObjectNode c = ((ObjectNode) CrdConditions.condition(crd.get("status"), type)).deepCopy();
        c.remove("lastTransitionTime");
        return c.toString();
    }
}
