package dev.keelson.kubelet.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupReaderTest {
    private static final String ID = "3f4e9a1b2c7d8e6f00112233445566778899aabbccddeeff0011223344556677";

    @Test
    void readsACgroupV1ContainerUnderDockersParent(@TempDir Path root) throws Exception {
        StatsFixtures.v1Container(root, "docker", ID, 5_000_000_000L, 6_082_560L, 4242);
        CgroupReader reader = new CgroupReader(root);
        assertFalse(reader.v2());
        CgroupSample s = reader.container(ID);
        assertEquals(5_000_000_000L, s.cpuUsageNanos());
        assertEquals(6_082_560L, s.memoryUsageBytes());
        assertEquals(6_082_560L - 1_892_352L, s.workingSetBytes(), "usage minus total_inactive_file");
        assertEquals(3_244_032L, s.rssBytes());
        assertEquals(2970, s.pageFaults());
        assertEquals(13, s.majorPageFaults());
        assertEquals(4242, s.pid());
    }

    @Test
    void findsAContainerBelowACgroupParentAndForgetsItWhenGone(@TempDir Path root) throws Exception {
        StatsFixtures.v1Container(root, "keelson/node-2", ID, 7L, 100L, 0);
        CgroupReader reader = new CgroupReader(root);
        assertEquals(7L, reader.container(ID).cpuUsageNanos());
        assertEquals(0, reader.container(ID).pid());
        assertEquals(0, reader.container(ID).workingSetBytes(), "inactive file above usage is clamped to 0");
        try (var files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(p -> p.toString().contains(ID)).forEach(p -> p.toFile().delete());
        }
        assertNull(reader.container(ID));
        assertNull(reader.container("0000"), "an unknown container has no cgroup");
    }

    @Test
    void readsACgroupV2SystemdScopeAndTheRoot(@TempDir Path root) throws Exception {
        StatsFixtures.write(root.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Path scope = root.resolve("system.slice/docker-" + ID + ".scope");
        StatsFixtures.write(scope.resolve("cpu.stat"), StatsFixtures.resource("v2-cpu.stat"));
        StatsFixtures.write(scope.resolve("memory.stat"), StatsFixtures.resource("v2-memory.stat"));
        StatsFixtures.write(scope.resolve("memory.current"), "12996608\n");
        StatsFixtures.write(scope.resolve("cgroup.procs"), "77\n");
        StatsFixtures.write(root.resolve("cpu.stat"), StatsFixtures.resource("v2-cpu.stat"));
        StatsFixtures.write(root.resolve("memory.stat"), StatsFixtures.resource("v2-memory.stat"));
        CgroupReader reader = new CgroupReader(root);
        assertTrue(reader.v2());
        CgroupSample s = reader.container(ID);
        assertEquals(1_234_567_000L, s.cpuUsageNanos());
        assertEquals(12_996_608L, s.memoryUsageBytes());
        assertEquals(12_996_608L - 6_000_000L, s.workingSetBytes());
        assertEquals(4_341_760L, s.rssBytes());
        assertEquals(4557, s.pageFaults());
        assertEquals(31, s.majorPageFaults());
        assertEquals(77, s.pid());
        CgroupSample node = reader.node();
        assertEquals(4_341_760L + 8_192_000L + 462_848L, node.memoryUsageBytes(), "anon + file + kernel without memory.current");
        assertEquals(1_234_567_000L, node.cpuUsageNanos());
    }

    @Test
    void parsesNetDevWithoutLoopbackAndSkipsMalformedLines() throws Exception {
        var ifaces = CgroupFiles.parseNetDev(StatsFixtures.resource("net-dev") + "bad: 1 2\nweird: a b c d e f g h i j k\n");
        assertEquals(1, ifaces.size());
        assertEquals(new CgroupFiles.Interface("eth0", 123456, 2, 65432, 1), ifaces.get(0));
        assertEquals(java.util.Map.of("a", 1L), CgroupFiles.parseKeyValues("a 1\nb x\nc 1 2\n\n"));
    }
}
