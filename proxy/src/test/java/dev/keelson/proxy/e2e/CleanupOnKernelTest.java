package dev.keelson.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keelson.proxy.ProxyCleanup;
import dev.keelson.proxy.rules.RandomCluster;
import dev.keelson.proxy.rules.ServiceRuleWriter;
import dev.keelson.proxy.system.CommandRunner;
import dev.keelson.proxy.system.Iptables;
import dev.keelson.proxy.system.RuleApplier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code keelson proxy --cleanup} on the real kernel, in fresh network namespaces (which start with no tables at
 * all): iptables-save, of the nf_tables backend and of the legacy one when installed, shows afterwards exactly
 * what it showed before the proxy ran, counters and comment lines aside.
 */
class CleanupOnKernelTest {
    private static final ServiceRuleWriter WRITER = new ServiceRuleWriter("node-a", "10.244.0.0/16");
    private final CommandRunner root = new CommandRunner(List.of());
    private String namespace;
    private CommandRunner ns;

    @BeforeEach
    void freshNamespace() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        namespace = String.format("kpxclean%04x", ThreadLocalRandom.current().nextInt(0x10000));
        root.run(List.of("ip", "netns", "add", namespace)).orThrow();
        ns = new CommandRunner(List.of("ip", "netns", "exec", namespace));
    }

    @AfterEach
    void removeNamespace() {
        if (namespace != null) {
            root.run(List.of("ip", "netns", "del", namespace));
        }
    }

    /** iptables-save of every backend present, without counters and without the dated comment lines. */
    private String saves() {
        List<String> tools = new ArrayList<>(List.of("iptables-nft-save"));
        if (root.run(List.of("sh", "-c", "command -v iptables-legacy-save")).ok()) {
            tools.add("iptables-legacy-save");
        }
        StringBuilder out = new StringBuilder();
        for (String tool : tools) {
            out.append("== ").append(tool).append('\n');
            out.append(ns.run(List.of(tool)).orThrow().stdout().lines().filter(l -> !l.startsWith("#"))
                    .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "[0:0]")).collect(Collectors.joining("\n")));
            out.append('\n');
        }
        return out.toString();
    }

    /** What the proxy does to a node: a full sync, then partial ones. */
    private void runProxySyncs() {
        RandomCluster cluster = new RandomCluster(3, 10);
        RuleApplier applier = new RuleApplier(new Iptables(ns));
        applier.apply(cluster.rules(WRITER), Set.of(), true);
        for (int i = 0; i < 3; i++) {
            cluster.change();
            applier.apply(cluster.rules(WRITER), Set.copyOf(cluster.changed()), false);
            cluster.changed().clear();
        }
    }

    @Test
    void cleanupOnANodeThatHadNoTablesLeavesNoTables() {
        String before = saves();
        runProxySyncs();
        assertTrue(saves().contains("*nat\n") && saves().contains("*filter\n"), "the proxy made both tables");

        assertEquals(List.of(), new ProxyCleanup(List.of("ip", "netns", "exec", namespace)).run());
        assertEquals(before, saves());
    }

    @Test
    void cleanupKeepsATableThatExistedBeforeAndRemovesTheOneItMade() {
        ns.run(List.of("iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", "MASQUERADE"))
                .orThrow();
        String before = saves();
        runProxySyncs();

        assertEquals(List.of(), new ProxyCleanup(List.of("ip", "netns", "exec", namespace)).run());
        assertEquals(before, saves());
    }

    @Test
    void tableTheProxyMadeButOthersAlsoUsedIsKeptWithTheirRules() {
        runProxySyncs();
        ns.run(List.of("iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", "MASQUERADE"))
                .orThrow();

        assertEquals(List.of(), new ProxyCleanup(List.of("ip", "netns", "exec", namespace)).run());
        String after = saves();
        assertTrue(after.contains("-A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE"), after);
        assertTrue(!after.contains("KEELSON") && !after.contains("*filter"), after);
    }
}
