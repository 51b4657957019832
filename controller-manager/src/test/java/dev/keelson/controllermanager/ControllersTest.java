package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The one controller list and kube-controller-manager's --controllers semantics over it. */
class ControllersTest {
    private static ControllerManagerOptions with(String... controllers) {
        return ControllerManagerOptions.builder().controllers(List.of(controllers)).build();
    }

    @Test
    void namesAndAliasesAreUnique() {
        Set<String> seen = new HashSet<>();
        for (Controllers.Descriptor d : Controllers.ALL) {
            assertTrue(seen.add(d.name()), d.name());
            assertTrue(seen.add(d.alias()), d.alias());
        }
        assertEquals(Controllers.names(), ControllerManagerOptions.ALL_CONTROLLERS);
    }

    @Test
    void firstEntryNamingAControllerWinsAndAliasesCount() {
        assertFalse(with("-replicaset", "*").enabled("replicaset"));
        assertTrue(with("replicaset", "-replicaset").enabled("replicaset"));
        assertFalse(with("*", "-replicaset-controller").enabled("replicaset"));
        assertTrue(with("deployment-controller").enabled("deployment"));
        assertFalse(with("deployment-controller").enabled("replicaset"));
        assertTrue(with("*").enabled("garbagecollector"));
        assertFalse(with().enabled("garbagecollector"));
    }

    @Test
    void unknownNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> with("*", "-nosuch"));
        assertThrows(IllegalArgumentException.class, () -> with("nosuch-controller"));
    }

    @Test
    void garbageCollectorWatchesEveryControllersKinds() {
        Set<String> kinds = new HashSet<>();
        Controllers.BASE_GC_KINDS.forEach(k -> kinds.add(k.kind()));
        Controllers.ALL.forEach(d -> d.kinds().forEach(k -> kinds.add(k.kind())));
        assertTrue(kinds.containsAll(Set.of("Pod", "ReplicaSet", "Deployment", "ConfigMap", "Secret")), kinds.toString());
    }
}
