package dev.keelson.dns.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * While fuzzing (JAZZER_FUZZ set), times every input and keeps those that took longer than an event loop may be
 * held (100 ms) under target/fuzz-slow/TARGET/, so a long run reports them beside its exec count. libFuzzer's own
 * timeout only works in whole seconds. In regression mode (the normal test run) inputs are just run.
 */
final class SlowInputs {
    static final long LIMIT_NANOS = 100_000_000L;
    private static final boolean FUZZING = System.getenv("JAZZER_FUZZ") != null
            || System.getProperty("JAZZER_FUZZ") != null;
    private static final AtomicLong EXECS = new AtomicLong();
    private static final AtomicLong SLOW = new AtomicLong();
    private static final AtomicLong MAX_NANOS = new AtomicLong();

    static {
        if (FUZZING) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.printf(
                    "fuzz-slow-inputs: %d execs timed, %d over 100 ms, slowest %.1f ms%n",
                    EXECS.get(), SLOW.get(), MAX_NANOS.get() / 1e6)));
        }
    }

    private SlowInputs() {
    }

    static void run(String target, byte[] input, Runnable body) {
        if (!FUZZING) {
            body.run();
            return;
        }
        long start = System.nanoTime();
        try {
            body.run();
        } finally {
            long took = System.nanoTime() - start;
            EXECS.incrementAndGet();
            MAX_NANOS.accumulateAndGet(took, Math::max);
            if (took > LIMIT_NANOS) {
                SLOW.incrementAndGet();
                keep(target, input, took);
            }
        }
    }

    private static void keep(String target, byte[] input, long nanos) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-slow", target));
            Files.write(dir.resolve(String.format("%06dms-%d", nanos / 1_000_000, System.nanoTime())), input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
