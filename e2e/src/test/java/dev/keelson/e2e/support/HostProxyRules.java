package dev.keelson.e2e.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The KEELSON iptables chains a stopped proxy leaves on the host on purpose (a restarted proxy takes over without a
 * gap): an e2e class that ran a server or agent on the host removes them with {@code keelson proxy --cleanup}.
 */
public final class HostProxyRules {
    private HostProxyRules() {}

    /**
     * Runs {@code keelson proxy --cleanup} as the tests run the server, then fails if iptables-save still shows a
     * KEELSON chain or a jump to one. Call it after every server and agent of the class has stopped.
     */
    public static void cleanUp() {
        Result cleanup = run(KeelsonServerProcess.keelson("proxy", "--cleanup"));
        if (cleanup.code() != 0) {
            throw new AssertionError("keelson proxy --cleanup exited with " + cleanup.code() + ":\n" + cleanup.out());
        }
        List<String> left = keelsonLines();
        if (!left.isEmpty()) {
            throw new AssertionError("iptables-save still has KEELSON chains or jumps after keelson proxy --cleanup:\n"
                    + String.join("\n", left));
        }
    }

    /** The lines of iptables-save (every table) that declare a KEELSON chain or jump to one. */
    public static List<String> keelsonLines() {
        Result save = run(List.of("iptables-save"));
        if (save.code() != 0) {
            throw new AssertionError("iptables-save exited with " + save.code() + ":\n" + save.out());
        }
        return save.out().lines().filter(l -> l.startsWith(":KEELSON-") || l.matches(".* -[jg] KEELSON-.*")).toList();
    }

    private record Result(int code, String out) {}

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 60 s:\n" + out);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
