package dev.keelson.proxy.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keelson.proxy.rules.ChainNames;
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
 * Partial syncs and resyncs on the real kernel. One network namespace gets a full sync followed by partial syncs
 * (services added, removed, re-typed and re-ported, endpoints moved), another a full sync of the final state only;
 * iptables-save of the two must show the same tables, chains and rules. Which rules a sync rewrote is seen in
 * their packet counters: the test stamps every KEELSON rule with a count, and a rule written anew starts at zero.
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

    private static final String STAMP = "[7:7]";

    /** Re-adds every KEELSON chain with its rules unchanged but their counters set to {@link #STAMP}. */
    static void stampCounters(CommandRunner ns) {
        StringBuilder text = new StringBuilder();
        for (String table : List.of("nat", "filter")) {
            text.append('*').append(table).append('\n');
            for (String line : ns.run(List.of("iptables-nft-save", "-c", "-t", table)).orThrow().stdout().split("\n")) {
                if (line.startsWith(":KEELSON-")) {
                    text.append(line).append('\n');
                } else if (line.matches("\\[\\d+:\\d+\\] -A KEELSON-.*")) {
                    text.append(STAMP).append(line.substring(line.indexOf(']') + 1)).append('\n');
                }
            }
            text.append("COMMIT\n");
        }
        ns.run(List.of("iptables-nft-restore", "-c", "--noflush"), text.toString()).orThrow();
    }

    /** Table -> KEELSON chain -> whether each of its rules still has the stamp, i.e. was not written since. */
    static Map<String, Map<String, List<Boolean>>> stamped(CommandRunner ns) {
        Map<String, Map<String, List<Boolean>>> tables = new TreeMap<>();
        for (String table : List.of("nat", "filter")) {
            Map<String, List<Boolean>> chains = new TreeMap<>();
            for (String line : ns.run(List.of("iptables-nft-save", "-c", "-t", table)).orThrow().stdout().split("\n")) {
                int rule = line.indexOf("] -A KEELSON-");
                if (line.startsWith("[") && rule > 0) {
                    String chain = line.substring(rule + 5, line.indexOf(' ', rule + 5));
                    chains.computeIfAbsent(chain, c -> new ArrayList<>()).add(line.startsWith(STAMP + " "));
                }
            }
            tables.put(table, chains);
        }
        return tables;
    }

    private static boolean allStamped(Map<String, List<Boolean>> chains, String chain) {
        return !chains.get(chain).isEmpty() && chains.get(chain).stream().allMatch(b -> b);
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
        int dispatchKept = 0;
        for (int sync = 0; sync < 12; sync++) {
            stampCounters(incremental);
            List<String> dispatchBefore = saved(incremental).get("nat").get(ChainNames.SERVICES);
            for (int i = 0; i < 1 + cluster.nextInt(4); i++) {
                cluster.change();
            }
            if (applier.apply(cluster.rules(WRITER), Set.copyOf(cluster.changed()), false).partial()) {
                partials++;
            }
            cluster.changed().clear();
            // a dispatch rule that is in the chain before and after the sync was not rewritten, unless the
            // change was too large for edits
            List<String> after = saved(incremental).get("nat").get(ChainNames.SERVICES);
            List<Boolean> stamps = stamped(incremental).get("nat").get(ChainNames.SERVICES);
            boolean kept = true;
            for (int r = 1; r < after.size(); r++) {
                kept &= !dispatchBefore.contains(after.get(r)) || stamps.get(r - 1);
            }
            dispatchKept += kept ? 1 : 0;
        }
        assertEquals(12, partials, "every sync after a successful one is partial");
        assertEquals(12, dispatchKept, "syncs that left unchanged dispatch rules in place (edits, not rewrites)");

        RuleSet last = cluster.rules(WRITER);
        new RuleApplier(new Iptables(fresh)).apply(last, Set.of(), true);
        Map<String, Map<String, List<String>>> expected = saved(fresh);
        assertTrue(expected.get("nat").keySet().stream().anyMatch(c -> c.startsWith("KEELSON-SEP-")),
                "the final state has endpoints: " + expected.get("nat").keySet());
        assertEquals(expected, saved(incremental));
    }

    @Test
    void syncAfterOnlyEndpointsMovedWritesNoDispatchChain() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        CommandRunner ns = namespace("ep");
        RandomCluster cluster = new RandomCluster(5, 30);
        RuleApplier applier = new RuleApplier(new Iptables(ns));
        applier.apply(cluster.rules(WRITER), Set.of(), true);
        cluster.changed().clear();
        stampCounters(ns);
        String moved = cluster.moveEndpoint();
        RuleSet rules = cluster.rules(WRITER);
        RuleApplier.Applied applied = applier.apply(rules, Set.copyOf(cluster.changed()), false);

        assertTrue(applied.partial());
        Map<String, Map<String, List<Boolean>>> stamps = stamped(ns);
        for (String dispatch : List.of(ChainNames.SERVICES, ChainNames.POSTROUTING, ChainNames.MARK_MASQ)) {
            assertTrue(allStamped(stamps.get("nat"), dispatch), dispatch + " was rewritten: " + stamps.get("nat"));
        }
        assertTrue(allStamped(stamps.get("filter"), ChainNames.FORWARD), "filter: " + stamps.get("filter"));
        List<String> written = stamps.get("nat").keySet().stream().filter(c -> !allStamped(stamps.get("nat"), c))
                .toList();
        assertEquals(2, written.size(), "the service chain and the new endpoint's chain, not the endpoints that stayed: "
                + written);
        for (String chain : written) {
            assertEquals("default/" + moved, rules.chainServices().get(chain), chain + " was written");
        }
    }

    @Test
    void resyncOfAnIntactNodeWritesNothing() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        CommandRunner ns = namespace("quiet");
        RandomCluster cluster = new RandomCluster(11, 40);
        for (int i = 0; i < 60; i++) {
            cluster.change();
        }
        RuleApplier applier = new RuleApplier(new Iptables(ns));
        applier.apply(cluster.rules(WRITER), Set.of(), true);

        RuleApplier.Applied resync = applier.apply(cluster.rules(WRITER), Set.of(), true);

        assertEquals(RuleApplier.Kind.RESYNC, resync.kind());
        assertEquals(0, resync.rewrittenChains(), "every rule shape compares equal to what iptables-save prints");
        assertEquals(0, resync.restoreLines());
    }

    @Test
    void resyncRepairsRulesDeletedByHandAndTouchesNothingElse() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        CommandRunner ns = namespace("repair");
        RandomCluster cluster = new RandomCluster(13, 30);
        RuleApplier applier = new RuleApplier(new Iptables(ns));
        RuleSet rules = cluster.rules(WRITER);
        applier.apply(rules, Set.of(), true);
        Map<String, Map<String, List<String>>> intact = saved(ns);
        String sep = intact.get("nat").keySet().stream().filter(c -> c.startsWith("KEELSON-SEP-")).findFirst()
                .orElseThrow();
        stampCounters(ns);
        ns.run(List.of("iptables-nft", "-t", "nat", "-D", sep, "2")).orThrow();
        ns.run(List.of("iptables-nft", "-t", "nat", "-D", ChainNames.SERVICES, "3")).orThrow();
        assertNotEquals(intact, saved(ns));

        RuleApplier.Applied resync = applier.apply(rules, Set.of(), true);

        assertEquals(RuleApplier.Kind.RESYNC, resync.kind());
        assertEquals(intact, saved(ns), "both deleted rules are back");
        assertEquals(2, resync.rewrittenChains());
        Map<String, Map<String, List<Boolean>>> stamps = stamped(ns);
        stamps.forEach((table, chains) -> chains.forEach((chain, kept) -> {
            boolean repaired = table.equals("nat") && (chain.equals(sep) || chain.equals(ChainNames.SERVICES));
            assertTrue(repaired ? kept.stream().noneMatch(b -> b) : kept.stream().allMatch(b -> b),
                    table + " " + chain + " stamps " + kept);
        }));
    }
}
