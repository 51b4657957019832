package dev.keelson.apiserver.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keelson.componentbase.cli.GoDuration;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine.TypeConversionException;

/**
 * Duration flags of every component (--request-timeout, --node-monitor-grace-period, ...), read as Go's
 * time.ParseDuration: a duration of zero or more, or picocli's conversion error. Seeds: GoDurationFuzzTestInputs/.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GoDurationFuzzTest {

    @FuzzTest
    void goDuration(byte[] input) {
        SlowInputs.run("goDuration", input, () -> {
            String text = Contracts.utf8(input);
            try {
                Duration d = new GoDuration().convert(text);
                if (d.isNegative()) {
                    throw new AssertionError("'" + text + "' read as the negative " + d);
                }
            } catch (TypeConversionException refused) {
                // the flag's error message: what the CLI prints
            }
        });
    }
}
