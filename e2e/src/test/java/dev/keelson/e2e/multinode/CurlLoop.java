package dev.keelson.e2e.multinode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A curl loop in one node's network namespace against one URL, counting answers that are not HTTP 200. */
final class CurlLoop implements AutoCloseable {
    record Counts(int total, int failed, List<String> failures) {}

    private final Process process;
    private final Path output;

    private CurlLoop(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    static CurlLoop start(String netns, String url) throws IOException {
        Path output = Files.createTempFile("keelson-multinode-curl", ".log");
        // One line per request: the HTTP code (000 when the connection failed) and the time it was sent.
        Process p = new ProcessBuilder("ip", "netns", "exec", netns, "sh", "-c",
                "while :; do echo \"$(curl -s -o /dev/null -m 2 -w '%{http_code}' \"$0\") $(date +%T.%N)\"; done", url)
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new CurlLoop(p, output);
    }

    int total() {
        return counts().total();
    }

    void awaitRequests(int atLeast, Duration timeout) {
        Commands.await(atLeast + " requests of the curl loop", timeout, () -> counts().toString(),
                seen -> counts().total() >= atLeast);
    }

    Counts counts() {
        List<String> lines;
        try {
            lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The last line may be half written.
        List<String> complete = lines.isEmpty() ? lines : lines.subList(0, lines.size() - 1);
        List<String> failures = new ArrayList<>();
        for (String line : complete) {
            if (!line.startsWith("200 ")) {
                failures.add(line);
            }
        }
        return new Counts(complete.size(), failures.size(), failures);
    }

    Counts stop() {
        process.destroy();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return counts();
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        Files.deleteIfExists(output);
    }
}
