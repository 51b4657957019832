package dev.keelson.componentbase.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

class GoDurationTest {
    private final GoDuration converter = new GoDuration();

    @Command(name = "probe")
    static final class Probe {
        @Option(names = "--period", converter = GoDuration.class)
        Duration period;
    }

    @Test
    void readsEveryUnitKubernetesFlagsAccept() {
        assertEquals(Duration.ofNanos(7), converter.convert("7ns"));
        assertEquals(Duration.ofNanos(3_000), converter.convert("3us"));
        assertEquals(Duration.ofNanos(3_000), converter.convert("3\u00b5s"));
        assertEquals(Duration.ofMillis(500), converter.convert("500ms"));
        assertEquals(Duration.ofSeconds(15), converter.convert("15s"));
        assertEquals(Duration.ofMinutes(2), converter.convert("2m"));
        assertEquals(Duration.ofHours(1), converter.convert("1h"));
    }

    @Test
    void addsUpCompoundAndFractionalDurations() {
        assertEquals(Duration.ofSeconds(90), converter.convert("1m30s"));
        assertEquals(Duration.ofHours(1).plusMinutes(2).plusSeconds(3).plusMillis(4), converter.convert("1h2m3s4ms"));
        assertEquals(Duration.ofMinutes(90), converter.convert("1.5h"));
        assertEquals(Duration.ofMillis(500), converter.convert(".5s"));
    }

    @Test
    void zeroNeedsNoUnit() {
        assertEquals(Duration.ZERO, converter.convert("0"));
        assertEquals(Duration.ZERO, converter.convert("0s"));
    }

    @Test
    void refusesWhatGoWouldRefuseAndNegatives() {
        for (String bad : new String[] {"", "abc", "40", "15", "s", "1m 30s", "1x", "15s ", " 15s", "-1s", "1.2.3s", "2 seconds"}) {
            TypeConversionException e = assertThrows(TypeConversionException.class, () -> converter.convert(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void refusesDurationsLongerThanGoCanHold() {
        assertThrows(TypeConversionException.class, () -> converter.convert("3000000h"));
    }

    @Test
    void badValueGivesAPicocliErrorNamingTheFlagAndTheValue() {
        CommandLine cl = new CommandLine(new Probe());
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> cl.parseArgs("--period", "abc"));
        assertTrue(e.getMessage().contains("--period"), e.getMessage());
        assertTrue(e.getMessage().contains("'abc' is not a duration"), e.getMessage());
    }
}
