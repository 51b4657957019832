package dev.keelson.kubelet.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PodNetworkTest {
    @Test
    void gatewayIsTheFirstAddressOfThePodCidr() {
        assertEquals("10.244.1.1", PodNetwork.gatewayOf("10.244.1.0/24"));
        assertEquals("10.244.0.1", PodNetwork.gatewayOf("10.244.0.7/16"));
    }

    @Test
    void malformedCidrsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> PodNetwork.gatewayOf("10.244.1.0"));
        assertThrows(IllegalArgumentException.class, () -> PodNetwork.gatewayOf("10.244.300.0/24"));
        assertThrows(IllegalArgumentException.class, () -> PodNetwork.gatewayOf("10.244.1.0/32"));
    }

    @Test
    void bridgeNamesFitLinuxInterfaceNamesAndDifferPerNode() {
        String a = PodNetwork.bridgeNameFor("a-very-long-node-name.example.com");
        assertTrue(a.length() <= 15, a);
        assertNotEquals(a, PodNetwork.bridgeNameFor("node-2"));
    }
}
