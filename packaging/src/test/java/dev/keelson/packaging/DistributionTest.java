package dev.keelson.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built tarball and .deb: what they contain, and that the command runs from them. */
class DistributionTest {
    static Path work;
    static Path unpacked;
    static Path debRoot;
    static final Path TARBALL = Path.of(System.getProperty("keelson.tarball"));
    static final Path DEB = Path.of(System.getProperty("keelson.deb"));

    record Result(int code, String out) {}

    static Result run(String... cmd) throws Exception {
        return run(Map.of(), cmd);
    }

    static Result run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish");
        }
        return new Result(p.exitValue(), out);
    }

    @BeforeAll
    static void unpack() throws Exception {
        work = Files.createTempDirectory("keelson-dist-test-");
        assertEquals(0, run("tar", "-xzf", TARBALL.toString(), "-C", work.toString()).code());
        try (Stream<Path> top = Files.list(work)) {
            unpacked = top.findFirst().orElseThrow();
        }
        debRoot = work.resolve("deb-root");
        Result x = run("dpkg-deb", "-x", DEB.toString(), debRoot.toString());
        assertEquals(0, x.code(), x.out());
    }

    @AfterAll
    static void clean() throws IOException {
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void tarballUnpacksToOneVersionedDirectory() throws IOException {
        assertTrue(unpacked.getFileName().toString().startsWith("keelson-"), unpacked.toString());
        assertTrue(Files.isExecutable(unpacked.resolve("bin/keelson")));
        assertTrue(Files.isExecutable(unpacked.resolve("scripts/build-images.sh")));
        assertTrue(Files.exists(unpacked.resolve("images/pause/pause.c")));
        assertTrue(Files.exists(unpacked.resolve("examples/nginx.yaml")));
        assertTrue(Files.exists(unpacked.resolve("systemd/keelson-server.service")));
        try (Stream<Path> jars = Files.list(unpacked.resolve("lib"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("cli-")), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("kubelet-")), names.toString());
            assertTrue(names.stream().noneMatch(n -> n.contains("junit") || n.endsWith("-tests.jar")), names.toString());
        }
    }

    @Test
    void commandRunsFromTheUnpackedTarball() throws Exception {
        Result help = run(unpacked.resolve("bin/keelson").toString(), "--help");
        assertEquals(0, help.code(), help.out());
        for (String sub : List.of("server", "agent", "apiserver", "scheduler", "controller-manager", "kubelet", "proxy",
                "images")) {
            assertTrue(help.out().contains("\n  " + sub + " "), "keelson --help lists " + sub + ":\n" + help.out());
            Result subHelp = run(unpacked.resolve("bin/keelson").toString(), sub, "--help");
            assertEquals(0, subHelp.code(), subHelp.out());
            assertTrue(subHelp.out().startsWith("Usage: keelson " + sub + " "), subHelp.out());
        }
    }

    @Test
    void commandRunsThroughASymlinkLikeUsrBin() throws Exception {
        Path link = work.resolve("keelson-link");
        Files.createSymbolicLink(link, unpacked.resolve("bin/keelson"));
        Result r = run(link.toString(), "images", "list");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("registry.k8s.io/pause:3.10"), r.out());
        assertTrue(r.out().contains("nginx:1.22"), r.out());
    }

    @Test
    void debDependsOnWhatKeelsonRuns() throws Exception {
        Result depends = run("dpkg-deb", "-f", DEB.toString(), "Depends");
        assertEquals(0, depends.code(), depends.out());
        for (String pkg : List.of("docker.io", "etcd-server", "iptables", "iproute2", "conntrack", "default-jre-headless")) {
            assertTrue(depends.out().contains(pkg), depends.out());
        }
        assertEquals("all", run("dpkg-deb", "-f", DEB.toString(), "Architecture").out().trim());
    }

    @Test
    void debInstallsTheCommandUnitsAndDefaults() throws Exception {
        Result contents = run("dpkg-deb", "-c", DEB.toString());
        assertEquals(0, contents.code(), contents.out());
        List<String> expected = new ArrayList<>(List.of("./usr/lib/keelson/bin/keelson", "./usr/bin/keelson -> /usr/lib/keelson/bin/keelson",
                "./usr/lib/keelson/scripts/build-images.sh", "./usr/share/keelson/examples/nginx.yaml", "./var/lib/keelson/"));
        for (String unit : List.of("server", "agent", "etcd", "apiserver", "scheduler", "controller-manager", "kubelet", "proxy")) {
            expected.add("./lib/systemd/system/keelson-" + unit + ".service");
            expected.add("./etc/default/keelson-" + unit);
        }
        for (String e : expected) {
            assertTrue(contents.out().contains(e), "missing " + e + " in\n" + contents.out());
        }
        Result conffiles = run("dpkg-deb", "-I", DEB.toString(), "conffiles");
        assertTrue(conffiles.out().contains("/etc/default/keelson-server"), conffiles.out());
        Result installed = run(debRoot.resolve("usr/lib/keelson/bin/keelson").toString(), "server", "--help");
        assertEquals(0, installed.code(), installed.out());
    }

    @Test
    void unitsPassSystemdVerification() throws Exception {
        // systemd-analyze checks each unit's syntax and that its ExecStart exists: the copies verified here run the
        // command of the .deb's tree instead of /usr/bin/keelson, which this host does not have.
        Path units = work.resolve("units");
        Files.createDirectories(units);
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify"));
        String keelson = debRoot.resolve("usr/lib/keelson/bin/keelson").toString();
        for (String unit : List.of("server", "agent", "apiserver", "scheduler", "controller-manager", "kubelet", "proxy")) {
            Path file = debRoot.resolve("lib/systemd/system/keelson-" + unit + ".service");
            Path copy = units.resolve(file.getFileName());
            Files.writeString(copy, Files.readString(file).replace("/usr/bin/keelson", keelson));
            cmd.add(copy.toString());
        }
        Result verify = run(cmd.toArray(String[]::new));
        assertEquals(0, verify.code(), verify.out());
        assertEquals("", verify.out().trim(), "systemd-analyze warnings");
    }

    /** Runs `keelson images list` from the tarball with class-data sharing kept in {@code cds}. */
    static Result imagesList(Path cds, String minSeconds, Path classLog) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("KEELSON_CDS_DIR", cds.toString(),
                "KEELSON_CDS_MIN_SECONDS", minSeconds));
        if (classLog != null) {
            env.put("KEELSON_JAVA_OPTS", "-XX:+UseSerialGC -Xlog:class+load:file=" + classLog);
        }
        Result r = run(env, unpacked.resolve("bin/keelson").toString(), "images", "list");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("registry.k8s.io/pause:3.10"), r.out());
        return r;
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static long classesFromTheArchive(Path classLog) throws IOException {
        try (Stream<String> lines = Files.lines(classLog)) {
            return lines.filter(l -> l.contains("source: shared objects file (top)")).count();
        }
    }

    @Test
    void secondStartMapsTheClassArchiveTheFirstRunWrote() throws Exception {
        Path cds = work.resolve("cds-reuse");
        imagesList(cds, "0", null);
        assertTrue(files(cds).stream().allMatch(n -> n.startsWith("keelson-images-") && n.endsWith(".tmp")),
                files(cds).toString());

        Path classLog = work.resolve("classes-reuse.log");
        imagesList(cds, "0", classLog);

        assertTrue(files(cds).size() == 1 && files(cds).get(0).matches("keelson-images-\\d+-\\d+\\.jsa"),
                files(cds).toString());
        assertTrue(classesFromTheArchive(classLog) > 100, "classes loaded from the archive: "
                + classesFromTheArchive(classLog));
    }

    @Test
    void runShorterThanTheMinimumLeavesNoArchive() throws Exception {
        Path cds = work.resolve("cds-short");
        imagesList(cds, "3600", null);
        imagesList(cds, "3600", null);

        assertTrue(files(cds).stream().noneMatch(n -> n.endsWith(".jsa")), files(cds).toString());
        assertEquals(1, files(cds).size(), "only the last run's own dump: " + files(cds));
    }

    @Test
    void damagedArchiveIsIgnoredWithAWarningAndTheCommandStillRuns() throws Exception {
        Path cds = work.resolve("cds-damaged");
        imagesList(cds, "0", null);
        imagesList(cds, "0", null);
        Path archive = cds.resolve(files(cds).get(0));
        archive.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(archive);
        for (int i = bytes.length / 3; i < bytes.length / 3 + 4096; i++) {
            bytes[i] ^= (byte) 0x5a;
        }
        Files.write(archive, bytes);

        Path classLog = work.resolve("classes-damaged.log");
        Result r = imagesList(cds, "0", classLog);

        assertEquals(0, classesFromTheArchive(classLog));
        assertTrue(r.out().contains("Unable to use shared archive"), r.out());
    }

    @Test
    void truncatedArchiveIsReplacedAndTheCommandStillRuns() throws Exception {
        Path cds = work.resolve("cds-truncated");
        imagesList(cds, "0", null);
        imagesList(cds, "0", null);
        Path archive = cds.resolve(files(cds).get(0));
        archive.toFile().setWritable(true);
        byte[] bytes = Files.readAllBytes(archive);
        Files.write(archive, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        Path classLog = work.resolve("classes-truncated.log");
        imagesList(cds, "0", classLog);

        assertEquals(0, classesFromTheArchive(classLog));
        assertTrue(files(cds).stream().noneMatch(n -> n.endsWith(".jsa")), files(cds).toString());
    }

    @Test
    void helpRunsNeitherReadNorWriteArchives() throws Exception {
        Path cds = work.resolve("cds-help");
        Result r = run(Map.of("KEELSON_CDS_DIR", cds.toString()), unpacked.resolve("bin/keelson").toString(),
                "server", "--help");

        assertEquals(0, r.code(), r.out());
        assertFalse(Files.exists(cds), "the launcher created " + cds);
    }

    @Test
    void staleDumpOfAnExitedProcessIsRemovedByTheNextStart() throws Exception {
        Path cds = work.resolve("cds-stale");
        Files.createDirectories(cds);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = cds.resolve("keelson-scheduler-123." + gone.pid() + ".1700000000.tmp");
        Path fresh = cds.resolve("keelson-controller-manager-456." + gone.pid() + ".1700000000.tmp");
        Files.writeString(stale, "an unfinished dump");
        Files.writeString(fresh, "a dump its subcommand may still take up");
        stale.toFile().setLastModified(System.currentTimeMillis() - 3_600_000);

        imagesList(cds, "0", null);

        assertFalse(Files.exists(stale), files(cds).toString());
        assertTrue(Files.exists(fresh), files(cds).toString());
    }
}
