package dev.keelson.proxy.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host tools the proxy programs the kernel with (iptables, ip, conntrack). A prefix such as
 * {@code ip netns exec node2} makes the same proxy program a node that lives in a network namespace.
 */
public final class CommandRunner {
    private static final long TIMEOUT_SECONDS = 60;
    private final List<String> prefix;

    public CommandRunner(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws with the tool's own error output, which is what an operator needs to see. */
        public Result orThrow() {
            if (exitCode != 0) {
                throw new CommandFailedException(String.join(" ", command) + " exited " + exitCode + ": "
                        + stderr.strip());
            }
            return this;
        }
    }

    public static final class CommandFailedException extends RuntimeException {
        public CommandFailedException(String message) {
            super(message);
        }
    }

    public Result run(List<String> args) {
        return run(args, null);
    }

    public Result run(List<String> args, String stdin) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new CommandFailedException("cannot run " + String.join(" ", command) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the tool exited before reading everything; its exit code and stderr tell why
        }
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new CommandFailedException(String.join(" ", command) + " did not finish in "
                        + TIMEOUT_SECONDS + " s");
            }
            return new Result(command, process.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandFailedException(String.join(" ", command) + " interrupted");
        } catch (ExecutionException e) {
            throw new CommandFailedException("cannot read output of " + String.join(" ", command));
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (stream) {
                result.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(new UncheckedIOException(e));
            }
        }, "keelson-proxy-exec-reader");
        reader.setDaemon(true);
        reader.start();
        return result;
    }
}
