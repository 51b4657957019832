package dev.keelson.kubelet.stats;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads CPU and memory usage straight from the cgroup filesystem, the way cAdvisor does for the kubelet, without
 * asking Docker ({@code docker stats} costs a stream and a second per container). Works on cgroup v1 (separate
 * {@code cpuacct} and {@code memory} hierarchies) and v2 (one unified hierarchy); a container's cgroup is found by
 * its id under either driver's naming ({@code <id>} for cgroupfs, {@code docker-<id>.scope} for systemd) at any
 * depth up to four below the root (so a {@code --cgroup-parent} is found too), and remembered.
 */
public final class CgroupReader {
    private static final int MAX_DEPTH = 4;

    private final Path root;
    private final boolean v2;
    private final Map<String, Path> located = new ConcurrentHashMap<>();

    /** @param root the cgroup mount point, normally {@code /sys/fs/cgroup} */
    public CgroupReader(Path root) {
        this.root = root;
        this.v2 = Files.exists(root.resolve("cgroup.controllers"));
    }

    public boolean v2() {
        return v2;
    }

    /** The host's view of the cgroup mount, {@code /sys/fs/cgroup}. */
    public static CgroupReader host() {
        return new CgroupReader(Path.of("/sys/fs/cgroup"));
    }

    /** The root cgroup (the whole node), or null when its counters cannot be read. */
    public CgroupSample node() {
        return v2 ? readV2(root, true) : readV1(root.resolve("cpuacct"), root.resolve("memory"), true);
    }

    /** The container's cgroup, or null when it has none (gone, or not started). */
    public CgroupSample container(String id) {
        Path relative = located.get(id);
        if (relative == null || !Files.isDirectory(hierarchy(v2 ? "" : "cpuacct").resolve(relative))) {
            located.remove(id);
            relative = locate(id);
            if (relative == null) {
                return null;
            }
            located.put(id, relative);
        }
        return v2 ? readV2(root.resolve(relative), false)
                : readV1(root.resolve("cpuacct").resolve(relative), root.resolve("memory").resolve(relative), false);
    }

    /** Forgets the cgroup paths of containers that no longer run. */
    public void retain(java.util.Set<String> ids) {
        located.keySet().retainAll(ids);
    }

    private Path hierarchy(String controller) {
        return controller.isEmpty() ? root : root.resolve(controller);
    }

    private Path locate(String id) {
        Path base = hierarchy(v2 ? "" : "cpuacct");
        Path found = search(base, id, 0);
        return found == null ? null : base.relativize(found);
    }

    private static Path search(Path dir, String id, int depth) {
        if (depth > MAX_DEPTH) {
            return null;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir, Files::isDirectory)) {
            java.util.List<Path> deeper = new java.util.ArrayList<>();
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (name.equals(id) || name.equals("docker-" + id + ".scope")) {
                    return child;
                }
                deeper.add(child);
            }
            for (Path child : deeper) {
                Path found = search(child, id, depth + 1);
                if (found != null) {
                    return found;
                }
            }
        } catch (IOException | SecurityException e) {
            return null;
        }
        return null;
    }

    private static CgroupSample readV1(Path cpu, Path memory, boolean node) {
        long now = System.nanoTime();
        Long cpuNanos = readLong(cpu.resolve("cpuacct.usage"));
        if (cpuNanos == null) {
            return null;
        }
        Map<String, Long> stat = CgroupFiles.keyValues(memory.resolve("memory.stat"));
        Long usage = readLong(memory.resolve("memory.usage_in_bytes"));
        long used = usage == null ? 0 : usage;
        long inactiveFile = stat.getOrDefault("total_inactive_file", 0L);
        return new CgroupSample(now, cpuNanos, used, Math.max(0, used - inactiveFile), stat.getOrDefault("total_rss", 0L),
                stat.getOrDefault("total_pgfault", 0L), stat.getOrDefault("total_pgmajfault", 0L),
                node ? 0 : firstPid(cpu.resolve("cgroup.procs")));
    }

    private static CgroupSample readV2(Path dir, boolean node) {
        long now = System.nanoTime();
        Map<String, Long> cpuStat = CgroupFiles.keyValues(dir.resolve("cpu.stat"));
        Long usec = cpuStat.get("usage_usec");
        if (usec == null) {
            return null;
        }
        Map<String, Long> stat = CgroupFiles.keyValues(dir.resolve("memory.stat"));
        Long current = readLong(dir.resolve("memory.current"));
        long used;
        if (current != null) {
            used = current;
        } else {
            // the root cgroup has no memory.current: what the kernel holds for every cgroup is anon + file + kernel
            used = stat.getOrDefault("anon", 0L) + stat.getOrDefault("file", 0L) + stat.getOrDefault("kernel", 0L);
        }
        long inactiveFile = stat.getOrDefault("inactive_file", 0L);
        return new CgroupSample(now, usec * 1000, used, Math.max(0, used - inactiveFile), stat.getOrDefault("anon", 0L),
                stat.getOrDefault("pgfault", 0L), stat.getOrDefault("pgmajfault", 0L),
                node ? 0 : firstPid(dir.resolve("cgroup.procs")));
    }

    private static Long readLong(Path file) {
        try {
            String s = Files.readString(file).trim();
            return s.isEmpty() || s.equals("max") ? null : Long.parseLong(s);
        } catch (IOException | NumberFormatException | SecurityException e) {
            return null;
        }
    }

    private static int firstPid(Path procs) {
        try (var lines = Files.lines(procs)) {
            return lines.map(String::trim).filter(s -> !s.isEmpty()).findFirst().map(Integer::parseInt).orElse(0);
        } catch (IOException | NumberFormatException | java.io.UncheckedIOException | SecurityException e) {
            return 0;
        }
    }
}
