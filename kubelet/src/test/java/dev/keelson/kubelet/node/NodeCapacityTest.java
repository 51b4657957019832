package dev.keelson.kubelet.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.kubelet.KubeletOptions;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeCapacityTest {
    private final NodeCapacity.Host host = new NodeCapacity.Host(4, 8L * 1024 * 1024 * 1024, 100L * 1024 * 1024 * 1024, 0, 0);

    @Test
    void capacityReportsCpusMemoryStorageAndPods() {
        Map<String, Quantity> cap = NodeCapacity.capacity(host, 110);
        assertEquals("4", cap.get("cpu").toString());
        assertEquals("8388608Ki", cap.get("memory").toString());
        assertEquals("104857600Ki", cap.get("ephemeral-storage").toString());
        assertEquals("110", cap.get("pods").toString());
    }

    @Test
    void allocatableSubtractsSystemAndKubeReserved() {
        Map<String, Quantity> cap = NodeCapacity.capacity(host, 110);
        Map<String, Quantity> alloc = NodeCapacity.allocatable(cap,
                KubeletOptions.parseReservation("cpu=500m,memory=1Gi"), KubeletOptions.parseReservation("cpu=250m,memory=512Mi"));
        assertEquals("3250m", alloc.get("cpu").toString());
        assertEquals(Quantity.getAmountInBytes(new Quantity("6656Mi")), Quantity.getAmountInBytes(alloc.get("memory")));
        assertEquals("110", alloc.get("pods").toString());
    }

    @Test
    void allocatableNeverGoesBelowZero() {
        Map<String, Quantity> alloc = NodeCapacity.allocatable(NodeCapacity.capacity(host, 110),
                KubeletOptions.parseReservation("cpu=8"), Map.of());
        assertEquals("0", alloc.get("cpu").toString());
    }
}
