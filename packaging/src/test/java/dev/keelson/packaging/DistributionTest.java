package dev.keelson.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
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
        assertTrue(r.out().contains("nginx:1.27"), r.out());
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
}
