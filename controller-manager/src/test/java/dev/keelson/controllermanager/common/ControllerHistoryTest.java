package dev.keelson.controllermanager.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControllerHistoryTest {
    @Test
    void hashIsGoFnv32OfTheRawBytesSafeEncoded() {
        // Go: fnv.New32() over "a" = 0x050c5d7e = 84696446; rand.SafeEncodeString("84696446") = "d8bfb88b"
        assertEquals("d8bfb88b", ControllerHistory.hash("a".getBytes(StandardCharsets.UTF_8), null));
        // the empty input is the FNV offset basis 2166136261
        assertEquals(ControllerHistory.safeEncode("2166136261"), ControllerHistory.hash(new byte[0], null));
        assertNotEquals(ControllerHistory.hash("a".getBytes(StandardCharsets.UTF_8), 0),
                ControllerHistory.hash("a".getBytes(StandardCharsets.UTF_8), 1));
    }

    @Test
    void newRevisionIsNamedAndLabelledByItsHashAndOwnedByItsParent() {
        DaemonSet ds = new DaemonSetBuilder().withNewMetadata().withName("logs").withNamespace("ns").withUid("u1")
                .endMetadata().build();
        Map<String, Object> data = Map.of("spec", Map.of("template", Map.of("x", 1)));
        ControllerRevision r = ControllerHistory.newRevision(ds, Map.of("app", "logs"), data, 3, null);
        String hash = ControllerHistory.hash(ControllerHistory.raw(data), null);
        assertEquals("logs-" + hash, r.getMetadata().getName());
        assertEquals(hash, r.getMetadata().getLabels().get(ControllerHistory.HASH_LABEL));
        assertEquals("logs", r.getMetadata().getLabels().get("app"));
        assertEquals(3L, r.getRevision());
        assertEquals("u1", r.getMetadata().getOwnerReferences().get(0).getUid());
        assertTrue(r.getMetadata().getOwnerReferences().get(0).getController());
        assertEquals("DaemonSet", r.getMetadata().getOwnerReferences().get(0).getKind());
    }

    @Test
    void longParentNamesAreCut() {
        String name = ControllerHistory.name("x".repeat(300), "abc");
        assertEquals(223 + 4, name.length());
    }
}
