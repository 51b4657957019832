package dev.keelson.e2e.multinode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Host commands (ip netns, docker, etcdctl, cluster.sh) and deadline-bounded waits for the multi-node tests. */
final class Commands {
    private Commands() {}

    record Result(int code, String out) {
        @Override
        public String toString() {
            return "exit " + code + "\n" + out;
        }
    }

    /** Runs a command with stdout and stderr merged, bounded by {@code seconds}. */
    static Result run(int seconds, String... cmd) {
        try {
            Path out = Files.createTempFile("keelson-multinode-cmd", ".log");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    return new Result(-1, "did not finish in " + seconds + " s: " + String.join(" ", cmd) + "\n"
                            + Files.readString(out));
                }
                return new Result(p.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Polls {@code observe} until {@code done} accepts what it saw; fails with the last observation. */
    static void await(String what, Duration timeout, Supplier<String> observe, Predicate<String> done) {
        Instant deadline = Instant.now().plus(timeout);
        String seen = "nothing yet";
        while (true) {
            try {
                seen = observe.get();
                if (done.test(seen)) {
                    return;
                }
            } catch (RuntimeException e) {
                seen = e.toString();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + "; last seen: " + seen);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
