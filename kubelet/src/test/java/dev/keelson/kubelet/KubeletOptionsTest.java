package dev.keelson.kubelet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KubeletOptionsTest {
    @Test
    void reservationFlagParsesResourceQuantities() {
        var r = KubeletOptions.parseReservation("cpu=100m, memory=256Mi");
        assertEquals("100m", r.get("cpu").toString());
        assertEquals("256Mi", r.get("memory").toString());
        assertTrue(KubeletOptions.parseReservation("").isEmpty());
    }

    @Test
    void badReservationsGetAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> KubeletOptions.parseReservation("gpu=1"));
        assertTrue(e.getMessage().contains("gpu"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KubeletOptions.parseReservation("cpu"));
    }

    @Test
    void nodeNamesMustBeDnsSubdomains() {
        assertThrows(IllegalArgumentException.class, () -> KubeletOptions.defaults("Node_1"));
        assertEquals("node-1", KubeletOptions.defaults("node-1").nodeName());
    }

    @Test
    void defaultsMatchTheKubelet() {
        KubeletOptions o = KubeletOptions.defaults("n1");
        assertEquals(10250, o.port());
        assertEquals("unix:///var/run/docker.sock", o.dockerEndpoint());
        assertEquals("registry.k8s.io/pause:3.10", o.podInfraContainerImage());
        assertEquals(110, o.maxPods());
    }
}
