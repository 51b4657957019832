package dev.keelson.proxy.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StaleUdpFlowTest {
    private static ServicePortInfo sp(String protocol, int nodePort, String... ips) {
        return new ServicePortInfo("default", "dns", "dns", protocol, "10.96.0.53", 53, nodePort, false, false, 0,
                java.util.Arrays.stream(ips).map(ip -> new Endpoint(ip, 53, "n")).toList());
    }

    @Test
    void removedUdpEndpointYieldsFlowsForServiceIpAndNodePort() {
        assertEquals(List.of(new StaleUdpFlow("10.96.0.53", 0, "10.244.1.3"),
                        new StaleUdpFlow("10.96.0.53", 30053, "10.244.1.3")),
                StaleUdpFlow.between(List.of(sp("UDP", 30053, "10.244.1.2", "10.244.1.3")),
                        List.of(sp("UDP", 30053, "10.244.1.2"))));
    }

    @Test
    void deletedServiceFlushesAllItsEndpoints() {
        assertEquals(List.of(new StaleUdpFlow("10.96.0.53", 0, "10.244.1.2")),
                StaleUdpFlow.between(List.of(sp("UDP", 0, "10.244.1.2")), List.of()));
    }

    @Test
    void tcpAndUnchangedEndpointsNeedNoFlush() {
        assertEquals(List.of(), StaleUdpFlow.between(List.of(sp("TCP", 0, "10.244.1.2")), List.of()));
        assertEquals(List.of(), StaleUdpFlow.between(List.of(sp("UDP", 0, "10.244.1.2")),
                List.of(sp("UDP", 0, "10.244.1.2", "10.244.1.5"))));
    }
}
