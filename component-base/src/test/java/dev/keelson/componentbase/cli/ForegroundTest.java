package dev.keelson.componentbase.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ForegroundTest {
    /** The child process of the test: a component that prints when it starts and stops. */
    public static final class Child {
        public static void main(String[] args) throws InterruptedException {
            System.exit(Foreground.runUntilShutdown("child",
                    () -> System.out.println("started"),
                    () -> System.out.println("stopped")));
        }
    }

    @Test
    void sigtermStopsTheComponentBeforeTheProcessExits() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Child.class.getName()).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            lines.add(line);
            assertEquals("started", line, "first line of the child");
            // SIGTERM through the handle: Process.destroy() would also close the pipe we still read from
            child.toHandle().destroy();
            while ((line = out.readLine()) != null) {
                lines.add(line);
            }
        } finally {
            child.destroyForcibly();
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child still running; printed " + lines);
        assertEquals(List.of("started", "stopped"), lines);
    }
}
