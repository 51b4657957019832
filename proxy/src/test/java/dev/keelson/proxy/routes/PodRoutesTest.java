package dev.keelson.proxy.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodRoutesTest {
    private static Node node(String name, String podCidr, String internalIp) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withPodCIDR(podCidr).endSpec();
        return internalIp == null ? b.build() : b.withNewStatus().addNewAddress().withType("Hostname")
                .withAddress(name).endAddress().addNewAddress().withType("InternalIP").withAddress(internalIp)
                .endAddress().endStatus().build();
    }

    @Test
    void everyOtherNodeWithPodCidrAndInternalIpGetsARoute() {
        assertEquals(Map.of("10.244.2.0/24", "192.168.1.12", "10.244.3.0/24", "192.168.1.13"),
                PodRoutes.desired(List.of(node("a", "10.244.1.0/24", "192.168.1.11"),
                        node("b", "10.244.2.0/24", "192.168.1.12"), node("c", "10.244.3.0/24", "192.168.1.13"),
                        node("no-ip", "10.244.4.0/24", null), node("no-cidr", null, "192.168.1.15")), "a"));
    }

    @Test
    void routesAreReadBackFromIpRouteOutput() {
        assertEquals(Map.of("10.244.2.0/24", "192.168.1.12", "10.244.3.0/24", "192.168.1.13"),
                PodRoutes.parse("""
                        10.244.2.0/24 via 192.168.1.12 dev eth0 proto 213
                        10.244.3.0/24 via 192.168.1.13 dev eth0 proto 213 onlink
                        """));
    }
}
