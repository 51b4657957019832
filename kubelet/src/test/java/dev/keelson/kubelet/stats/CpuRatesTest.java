package dev.keelson.kubelet.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuRatesTest {
    @Test
    void rateNeedsTwoReadingsAndReusesTheLastOneForACloseReading() {
        CpuRates rates = new CpuRates();
        assertNull(rates.rate("c", 0, 1_000_000_000L));
        assertEquals(500_000_000L, rates.rate("c", 2_000_000_000L, 2_000_000_000L), "1 s of CPU over 2 s: half a core");
        assertEquals(500_000_000L, rates.rate("c", 2_100_000_000L, 2_090_000_000L), "0.1 s later: the last rate");
        assertEquals(250_000_000L, rates.rate("c", 6_000_000_000L, 3_000_000_000L));
    }

    @Test
    void aCounterGoingBackStartsOverAndRetainForgets() {
        CpuRates rates = new CpuRates();
        rates.rate("c", 0, 5_000_000_000L);
        assertNull(rates.rate("c", 3_000_000_000L, 1_000L));
        rates.retain(Set.of());
        assertNull(rates.rate("c", 9_000_000_000L, 2_000_000_000L), "forgotten: a first reading again");
    }
}
