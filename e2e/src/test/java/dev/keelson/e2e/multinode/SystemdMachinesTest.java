package dev.keelson.e2e.multinode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keelson as users install it (issue 21): three Debian 12 machines booting systemd (scripts/machines.sh), each
 * provisioned by scripts/provision.sh as the Vagrantfile's VMs are: the .deb installed with {@code apt-get install}
 * pulling its dependencies from Debian's packages, the server unit on m1 and the agent unit on m2 and m3 with the
 * join token in the agent's config, journald logs, the nginx example served through its Service IP from every
 * machine, an agent restart that restarts no container, and a purge that leaves nothing of Keelson behind. Steps run in order and build on each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdMachinesTest {
    private static final Logger LOG = LoggerFactory.getLogger(SystemdMachinesTest.class);
    private static final List<String> MACHINES = List.of("m1", "m2", "m3");
    private static final String NET = "10.213.0.";
    private static final List<String> IMAGES = List.of("registry.k8s.io/pause:3.10", "nginx:1.22", "busybox:1.35");

    private final Path root = KeelsonServerProcess.repositoryRoot();
    private final Path script = root.resolve("scripts/machines.sh");
    private Path kubeconfig;

    @BeforeAll
    void up() throws IOException {
        assertEquals("0", Commands.run(10, "id", "-u").out().trim(), "machines need root (nspawn, bridge)");
        Path deb;
        try (Stream<Path> debs = Files.list(root.resolve("packaging/target"))) {
            deb = debs.filter(p -> p.getFileName().toString().matches("keelson_.*_all\\.deb")).findFirst()
                    .orElseThrow(() -> new AssertionError("no .deb under packaging/target: package it first"));
        }
        down();
        Commands.Result up = Commands.run(900, script.toString(), "up", "3", "--deb", deb.toString());
        assertEquals(0, up.code(), "machines.sh up:\n" + up);
        kubeconfig = Files.createTempFile("keelson-machines", ".kubeconfig");
    }

    @AfterAll
    void down() {
        if (kubeconfig != null) {
            for (String m : MACHINES) {
                LOG.info("journal of {}:\n{}", m, tail(ssh(30, m, "journalctl", "--no-pager", "-n", "40",
                        "-u", "keelson-server", "-u", "keelson-agent").out(), 6000));
            }
        }
        Commands.Result r = Commands.run(300, script.toString(), "down");
        assertEquals(0, r.code(), "machines.sh down:\n" + r);
    }

    @Test
    @Order(1)
    void aptInstallsThePackageWithItsDependenciesOnEveryMachine() {
        List<CompletableFuture<Commands.Result>> installs = new ArrayList<>();
        long start = System.nanoTime();
        for (String m : MACHINES) {
            installs.add(CompletableFuture.supplyAsync(() -> ssh(900, m, "sh", "/root/provision.sh", "install",
                    "/root/keelson.deb")));
        }
        for (int i = 0; i < MACHINES.size(); i++) {
            Commands.Result r = installs.get(i).join();
            assertEquals(0, r.code(), MACHINES.get(i) + ": apt-get install:\n" + tail(r.out(), 4000));
        }
        LOG.info("apt-get install on 3 machines at once took {} s", (System.nanoTime() - start) / 1_000_000_000);
        for (String m : MACHINES) {
            assertEquals("active", ssh(30, m, "systemctl", "is-active", "docker").out().trim(), m + ": docker");
            assertEquals("inactive", ssh(30, m, "systemctl", "is-active", "keelson-server").out().trim(),
                    m + ": the package installs its units without starting them");
            assertTrue(ssh(30, m, "keelson", "--help").out().contains("server"), m + ": keelson --help");
            loadImages(m);
        }
    }

    @Test
    @Order(2)
    void agentWithoutATokenSaysWhatIsMissingAndRetries() {
        ssh(60, "m3", "systemctl", "start", "keelson-agent");
        Commands.await("the agent's complaint in journald", Duration.ofSeconds(120),
                () -> ssh(30, "m3", "journalctl", "--no-pager", "-u", "keelson-agent").out(),
                out -> out.contains("no join token: the token file /etc/keelson/node-token does not exist"));
        Commands.await("systemd restarting the agent", Duration.ofSeconds(120),
                () -> ssh(30, "m3", "systemctl", "show", "-p", "NRestarts", "keelson-agent").out().trim(),
                out -> out.matches("NRestarts=[1-9][0-9]*"));
        ssh(60, "m3", "systemctl", "stop", "keelson-agent");
    }

    @Test
    @Order(3)
    void serverUnitStartsAndWritesTheJoinToken() throws IOException {
        Commands.Result provision = ssh(120, "m1", "sh", "/root/provision.sh", "server", NET + "11", "m1");
        assertEquals(0, provision.code(), provision.out());
        Commands.await("the server's join token", Duration.ofSeconds(240),
                () -> ssh(30, "m1", "cat", "/var/lib/keelson/server/node-token").out(), t -> t.startsWith("K"));
        assertEquals("active", ssh(30, "m1", "systemctl", "is-active", "keelson-server").out().trim());
        Commands.await("the server's admin kubeconfig", Duration.ofSeconds(120),
                () -> ssh(30, "m1", "cat", "/var/lib/keelson/server/admin.kubeconfig").out(),
                k -> k.contains("client-key-data"));
        String admin = ssh(30, "m1", "cat", "/var/lib/keelson/server/admin.kubeconfig").out()
                .replaceAll("https://127\\.0\\.0\\.1:\\d+", "https://" + NET + "11:6443");
        Files.writeString(kubeconfig, admin);
        Commands.await("node m1 Ready", Duration.ofSeconds(180), () -> kubectl("get", "nodes", "--no-headers"),
                out -> out.contains("m1") && out.contains(" Ready"));
        assertTrue(ssh(30, "m1", "journalctl", "--no-pager", "-u", "keelson-server").out().contains("apiserver"),
                "the server logs to journald");
    }

    @Test
    @Order(4)
    void agentUnitsJoinWithTheTokenInTheirConfig() {
        String token = ssh(30, "m1", "cat", "/var/lib/keelson/server/node-token").out().trim();
        for (String m : List.of("m2", "m3")) {
            String ip = NET + (10 + Integer.parseInt(m.substring(1)));
            writeFile(m, "/root/node-token", token + "\n");
            Commands.Result provision = ssh(120, m, "sh", "/root/provision.sh", "agent", ip, m,
                    "https://" + NET + "11:6443", "/root/node-token");
            assertEquals(0, provision.code(), provision.out());
        }
        Commands.await("3 nodes Ready", Duration.ofSeconds(300), () -> kubectl("get", "nodes", "--no-headers"),
                out -> out.lines().filter(l -> l.contains(" Ready")).count() == 3);
        for (String m : List.of("m2", "m3")) {
            assertEquals("active", ssh(30, m, "systemctl", "is-active", "keelson-agent").out().trim(), m);
            assertTrue(!ssh(30, m, "journalctl", "--no-pager", "-u", "keelson-agent").out().isBlank(), m);
        }
    }

    @Test
    @Order(5)
    void theNginxExampleAnswersThroughItsServiceFromEveryMachine() {
        Kubectl.Result apply = Kubectl.run(kubeconfig, new NginxApp("web", null, 0, null).manifest("nginx:1.22", 3),
                "apply", "-f", "-");
        assertEquals(0, apply.code(), apply.err());
        Commands.await("3 web pods ready", Duration.ofSeconds(300),
                () -> kubectl("get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}"), "3"::equals);
        String ip = kubectl("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}");
        for (String m : MACHINES) {
            Commands.await("nginx through " + ip + " from " + m, Duration.ofSeconds(60),
                    () -> ssh(20, m, "curl", "-s", "-m", "5", "http://" + ip + "/").out(),
                    out -> out.toLowerCase().contains("nginx"));
        }
    }

    @Test
    @Order(6)
    void restartingTheAgentUnitRestartsNoContainer() {
        String before = containers("m2");
        assertTrue(!before.isBlank(), "m2 runs pods");
        assertEquals(0, ssh(180, "m2", "systemctl", "restart", "keelson-agent").code());
        assertEquals("active", ssh(30, "m2", "systemctl", "is-active", "keelson-agent").out().trim());
        Commands.await("m2 Ready again", Duration.ofSeconds(120), () -> kubectl("get", "node", "m2", "--no-headers"),
                out -> out.contains(" Ready"));
        assertEquals(before, containers("m2"), "the same containers, with the same start times");
    }

    @Test
    @Order(7)
    void purgeLeavesNothingOfKeelsonBehind() {
        Commands.Result r = ssh(600, "m3", "keelson-uninstall.sh");
        assertEquals(0, r.code(), tail(r.out(), 4000));
        assertEquals("", ssh(30, "m3", "docker", "ps", "-aq", "--filter", "label=dev.keelson.node").out().trim());
        assertEquals("", ssh(30, "m3", "docker", "network", "ls", "-q", "--filter", "name=keelson-").out().trim());
        for (String table : List.of("nat", "filter")) {
            String rules = ssh(30, "m3", "iptables", "-t", table, "-S").out();
            assertTrue(!rules.contains("KEELSON"), table + ":\n" + rules);
        }
        assertEquals("", ssh(30, "m3", "ip", "-4", "route", "show", "proto", "213").out().trim());
        String left = ssh(30, "m3", "sh", "-c", "ls -d /var/lib/keelson /etc/keelson /etc/default/keelson-* "
                + "/lib/systemd/system/keelson-* /usr/lib/keelson /var/cache/keelson 2>/dev/null; true").out().trim();
        assertEquals("", left, "left behind on m3");
        assertTrue(ssh(30, "m3", "dpkg", "-s", "keelson").code() != 0, "the package is purged");
    }

    private String containers(String machine) {
        return ssh(30, machine, "sh", "-c", "docker ps -q --no-trunc --filter label=dev.keelson.node | sort | "
                + "xargs -r docker inspect -f '{{.Id}} {{.State.StartedAt}}'").out().trim();
    }

    private void loadImages(String machine) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "docker save " + String.join(" ", IMAGES) + " | "
                + script + " ssh " + machine + " docker load"));
        Commands.Result r = Commands.run(300, cmd.toArray(String[]::new));
        assertEquals(0, r.code(), machine + ": docker load:\n" + r);
    }

    private void writeFile(String machine, String path, String content) {
        try {
            Path tmp = Files.createTempFile("keelson-machine-file", ".txt");
            try {
                Files.writeString(tmp, content);
                Commands.Result r = Commands.run(30, "sh", "-c", script + " ssh " + machine + " sh -c 'cat > " + path
                        + "' < " + tmp);
                assertEquals(0, r.code(), "write " + path + " on " + machine + ":\n" + r);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Commands.Result ssh(int seconds, String machine, String... cmd) {
        List<String> all = new ArrayList<>(List.of(script.toString(), "ssh", machine));
        all.addAll(List.of(cmd));
        return Commands.run(seconds, all.toArray(String[]::new));
    }

    private String kubectl(String... args) {
        Kubectl.Result r = Kubectl.run(kubeconfig, null, args);
        return r.code() == 0 ? r.out() : "exit " + r.code() + ": " + r.err();
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : s.substring(s.length() - max);
    }
}
