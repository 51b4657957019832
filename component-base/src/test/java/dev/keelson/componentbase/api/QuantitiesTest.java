package dev.keelson.componentbase.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class QuantitiesTest {

    @Test
    void parsesDecimalBinaryAndExponentForms() {
        assertEquals(0, new BigDecimal("0.1").compareTo(Quantities.parse("100m")));
        assertEquals(0, new BigDecimal("1.5").compareTo(Quantities.parse("1.5")));
        assertEquals(0, new BigDecimal(1L << 30).compareTo(Quantities.parse("1Gi")));
        assertEquals(0, new BigDecimal("500000000").compareTo(Quantities.parse("500M")));
        assertEquals(0, new BigDecimal("1000").compareTo(Quantities.parse("1e3")));
        assertEquals(0, new BigDecimal("-0.5").compareTo(Quantities.parse("-500m")));
        assertEquals(0, new BigDecimal("0.5").compareTo(Quantities.parse(".5")));
    }

    @Test
    void rejectsMalformedQuantitiesWithKubernetesMessages() {
        IllegalArgumentException format = assertThrows(IllegalArgumentException.class, () -> Quantities.parse("abc"));
        assertEquals("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                format.getMessage());
        assertEquals(Quantities.SUFFIX_ERROR, assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1Mk")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Quantities.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1.2.3"));
        assertEquals(Quantities.FORMAT_ERROR, assertThrows(IllegalArgumentException.class, () -> Quantities.parse("1Gb")).getMessage());
    }

    @Test
    void printsCanonicalForms() {
        assertEquals("1", Quantities.canonical("1000m"));
        assertEquals("500m", Quantities.canonical("0.5"));
        assertEquals("1Gi", Quantities.canonical("1024Mi"));
        assertEquals("1536Mi", Quantities.canonical("1.5Gi"));
        assertEquals("512", Quantities.canonical("0.5Ki"));
        assertEquals("1k", Quantities.canonical("1000"));
        assertEquals("1500", Quantities.canonical("1500"));
        assertEquals("1e3", Quantities.canonical("1e3"));
        assertEquals("0", Quantities.canonical("0Gi"));
        assertEquals("250m", Quantities.canonical("250m"));
    }

    @Test
    void roundsUpBeyondNanoPrecisionAndExposesMilliValues() {
        assertEquals(0, new BigDecimal("0.000000002").compareTo(Quantities.parse("0.0000000011")));
        Quantities.Quantity q = Quantities.parseQuantity("1.5");
        assertEquals(1500, q.milliValue());
        assertEquals(2, q.longValue());
        assertTrue(Quantities.parseQuantity("1Gi").compareTo(Quantities.parseQuantity("1G")) > 0);
    }
}
