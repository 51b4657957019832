package dev.keelson.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keelson.proxy.rules.RandomCluster;
import dev.keelson.proxy.rules.RuleSet;
import dev.keelson.proxy.rules.ServiceRuleWriter;
import dev.keelson.proxy.system.CommandRunner;
import dev.keelson.proxy.system.Iptables;
import dev.keelson.proxy.system.RuleApplier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Partial syncs on the real kernel: one network namespace gets a full sync followed by partial syncs, another a
 * full sync of the final state only; iptables-save of the two must show the same tables, chains and rules.
 */
class PartialSyncOnKernelTest {
    private static final ServiceRuleWriter WRITER = new ServiceRuleWriter("node-a", "10.244.0.0/16");
    private final CommandRunner root = new CommandRunner(List.of());
    private final List<String> namespaces = new ArrayList<>();

    @AfterEach
    void removeNamespaces() {
        namespaces.forEach(ns -> root.run(List.of("ip", "netns", "del", ns)));
    }

    private CommandRunner namespace(String role) {
        String ns = String.format("kpxpart%04x-%s", ThreadLocalRandom.current().nextInt(0x10000), role);
        root.run(List.of("ip", "netns", "add", ns)).orThrow();
        namespaces.add(ns);
        return new CommandRunner(List.of("ip", "netns", "exec", ns));
    }

    /** Table -> chain -> its policy line and rules in order, from iptables-save with counters and comments left out. */
    static Map<String, Map<String, List<String>>> saved(CommandRunner ns) {
        Map<String, Map<String, List<String>>> tables = new TreeMap<>();
        Map<String, List<String>> chains = null;
        for (String line : ns.run(List.of("iptables-nft-save")).orThrow().stdout().split("\n")) {
            if (line.startsWith("*")) {
                chains = tables.computeIfAbsent(line.substring(1), t -> new TreeMap<>());
            } else if (line.startsWith(":")) {
                String[] parts = line.substring(1).split(" ");
                chains.computeIfAbsent(parts[0], c -> new ArrayList<>()).add(0, "policy " + parts[1]);
            } else if (line.startsWith("-A ")) {
                String chain = line.substring(3, line.indexOf(' ', 3));
                chains.computeIfAbsent(chain, c -> new ArrayList<>()).add(line);
            }
        }
        return tables;
    }

    @Test
    void partialSyncsLeaveTheSameTablesAsAFullSyncOfTheFinalState() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        CommandRunner incremental = namespace("inc");
        CommandRunner fresh = namespace("full");
        RandomCluster cluster = new RandomCluster(42, 40);
        RuleApplier applier = new RuleApplier(new Iptables(incremental));
        applier.apply(cluster.rules(WRITER), Set.of(), true);
        cluster.changed().clear();
        int partials = 0;
        for (int sync = 0; sync < 12; sync++) {
            for (int i = 0; i < 1 + cluster.nextInt(4); i++) {
                cluster.change();
            }
            if (applier.apply(cluster.rules(WRITER), Set.copyOf(cluster.changed()), false).partial()) {
                partials++;
            }
            cluster.changed().clear();
        }
        assertEquals(12, partials, "every sync after a successful one is partial");

        RuleSet last = cluster.rules(WRITER);
        new RuleApplier(new Iptables(fresh)).apply(last, Set.of(), true);
        Map<String, Map<String, List<String>>> expected = saved(fresh);
        assertTrue(expected.get("nat").keySet().stream().anyMatch(c -> c.startsWith("KEELSON-SEP-")),
                "the final state has endpoints: " + expected.get("nat").keySet());
        assertEquals(expected, saved(incremental));
    }
}
