package dev.keelson.controllermanager.nodeipam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CidrAllocatorTest {

    @Test
    void allocatesDistinctSlash24sFromTheClusterRange() {
        CidrAllocator a = new CidrAllocator("10.244.0.0/16", 24);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 256; i++) {
            String cidr = a.allocate().orElseThrow();
            assertTrue(cidr.matches("10\\.244\\.\\d+\\.0/24"), cidr);
            assertTrue(seen.add(cidr), "duplicate " + cidr);
        }
        assertEquals(Optional.empty(), a.allocate());
    }

    @Test
    void occupiedSubnetsAreSkippedAndReleasedOnesReused() {
        CidrAllocator a = new CidrAllocator("10.244.0.0/16", 24);
        assertTrue(a.occupy("10.244.0.0/24"));
        assertTrue(a.occupy("10.244.1.0/24"));
        assertEquals("10.244.2.0/24", a.allocate().orElseThrow());
        CidrAllocator small = new CidrAllocator("10.0.0.0/23", 24);
        small.occupy("10.0.0.0/24");
        assertEquals("10.0.1.0/24", small.allocate().orElseThrow());
        small.release("10.0.0.0/24");
        assertEquals("10.0.0.0/24", small.allocate().orElseThrow());
    }

    @Test
    void foreignSubnetsAreNotCountedAndBadRangesRejected() {
        CidrAllocator a = new CidrAllocator("10.244.0.0/16", 24);
        assertFalse(a.occupy("192.168.1.0/24"));
        assertFalse(a.occupy("10.244.1.0/25"));
        assertThrows(IllegalArgumentException.class, () -> new CidrAllocator("10.244.0.0", 24));
        assertThrows(IllegalArgumentException.class, () -> new CidrAllocator("10.244.0.0/26", 24));
    }
}
