package dev.keelson.kubelet.stats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds cgroup and /proc trees in a temporary folder from the kernel files kept under test resources. */
final class StatsFixtures {
    private StatsFixtures() {}

    static String resource(String name) throws IOException {
        try (InputStream in = StatsFixtures.class.getResourceAsStream("/stats/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    /** A cgroup v1 container cgroup under {@code parent} (cpuacct and memory hierarchies). */
    static void v1Container(Path root, String parent, String id, long cpuNanos, long usageBytes, int pid) throws IOException {
        Path cpu = root.resolve("cpuacct").resolve(parent).resolve(id);
        write(cpu.resolve("cpuacct.usage"), cpuNanos + "\n");
        write(cpu.resolve("cgroup.procs"), pid > 0 ? pid + "\n" + (pid + 1) + "\n" : "");
        Path mem = root.resolve("memory").resolve(parent).resolve(id);
        write(mem.resolve("memory.usage_in_bytes"), usageBytes + "\n");
        write(mem.resolve("memory.stat"), resource("v1-memory.stat"));
    }

    /** A /proc with meminfo, stat and one process's net/dev. */
    static Path proc(Path dir, int pid) throws IOException {
        write(dir.resolve("meminfo"), resource("meminfo"));
        write(dir.resolve("stat"), resource("stat"));
        write(dir.resolve(pid + "/net/dev"), resource("net-dev"));
        write(dir.resolve("self/net/dev"), resource("net-dev"));
        return dir;
    }
}
