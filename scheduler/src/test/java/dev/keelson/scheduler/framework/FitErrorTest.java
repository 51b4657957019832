package dev.keelson.scheduler.framework;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FitErrorTest {
    @Test
    void messageCountsReasonsAndSortsThemAsStrings() {
        FitError e = new FitError(3, Map.of("Insufficient memory", 2, "node(s) were unschedulable", 1));
        assertEquals("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory.", e.message());
    }

    @Test
    void sortIsByteWiseLikeGoSoNotNumeric() {
        FitError e = new FitError(12, Map.of("Insufficient cpu", 10, "Too many pods", 2));
        assertEquals("0/12 nodes are available: 10 Insufficient cpu, 2 Too many pods.", e.message());
    }

    @Test
    void noNodesAtAll() {
        assertEquals("no nodes available to schedule pods", new FitError(0, Map.of()).message());
    }
}
