package dev.keelson.componentbase.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv4Test {

    @Test
    void addressesRoundTripAndMalformedOnesAreRefused() {
        assertEquals("10.96.0.1", Ipv4.format(Ipv4.toInt("10.96.0.1")));
        assertEquals("255.255.255.255", Ipv4.format(Ipv4.toInt("255.255.255.255")));
        for (String bad : List.of("10.96.0", "10.96.0.256", "10..0.1", "a.b.c.d", "1.2.3.4.5", "-1.2.3.4", "")) {
            assertNull(Ipv4.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Ipv4.toInt("10.0.0.300"));
    }

    @Test
    void cidrBlocksClearHostBitsAndLocateAddresses() {
        Ipv4.Cidr services = Ipv4.Cidr.parse("10.96.3.7/12");
        assertEquals("10.96.0.0/12", services.toString());
        assertEquals(1L << 20, services.size());
        assertEquals("10.96.0.1", Ipv4.format(services.address(1)));
        assertEquals(1, services.offsetOf(Ipv4.toInt("10.96.0.1")));
        assertEquals(-1, services.offsetOf(Ipv4.toInt("10.112.0.0")));
        assertEquals("255.255.255.255", Ipv4.format(Ipv4.Cidr.parse("0.0.0.0/0").address(0xffffffffL)));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.Cidr.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4.Cidr.parse("10.0.0.0"));
    }

    @Test
    void addressesSortNumericallyWithOtherTextAfter() {
        List<String> ips = new ArrayList<>(List.of("fd00::1", "10.0.0.10", "192.168.0.1", "10.0.0.9"));
        ips.sort(Ipv4::compare);
        assertEquals(List.of("10.0.0.9", "10.0.0.10", "192.168.0.1", "fd00::1"), ips);
        assertTrue(Ipv4.compare("200.0.0.1", "10.0.0.1") > 0, "unsigned order above 128.0.0.0");
    }
}
