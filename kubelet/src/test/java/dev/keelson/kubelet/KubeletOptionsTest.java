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

    @Test
    void builderSetsWhatTheFlagsSetAndLeavesTheRestAtTheDefaults() {
        KubeletOptions o = KubeletOptions.builder("n1").port(0).bindAddress("127.0.0.1").nodeIp("10.0.0.5")
                .rootDir(java.nio.file.Path.of("/tmp/k")).maxPods(20)
                .systemReserved(KubeletOptions.parseReservation("cpu=100m")).build();
        assertEquals(0, o.port());
        assertEquals("127.0.0.1", o.bindAddress());
        assertEquals("10.0.0.5", o.nodeIp());
        assertEquals(java.nio.file.Path.of("/tmp/k"), o.rootDir());
        assertEquals(20, o.maxPods());
        assertEquals(KubeletOptions.parseReservation("cpu=100m"), o.systemReserved());
        assertEquals(KubeletOptions.DEFAULT_DOCKER_ENDPOINT, o.dockerEndpoint());
        assertTrue(o.kubeReserved().isEmpty());
    }

    @Test
    void aCertificateWithoutItsKeyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> KubeletOptions.builder("n1")
                .tls(java.nio.file.Path.of("/tmp/k.crt"), null, null).build());
    }
}
