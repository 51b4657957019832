package dev.keelson.proxy.system;

import dev.keelson.proxy.rules.ChainNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The proxy's access to iptables, always through the nf_tables backend (the one Docker uses here): one atomic
 * iptables-restore per sync, idempotent jumps from the built-in chains, and removal of everything it owns.
 */
public final class Iptables {
    public static final String RESTORE = "iptables-nft-restore";
    public static final String SAVE = "iptables-nft-save";
    public static final String IPTABLES = "iptables-nft";

    /** A rule in a built-in chain that hands traffic to one of ours. */
    public record Jump(String table, String chain, List<String> spec) {}

    /**
     * In insertion order; each is inserted at the top of its built-in chain, so in FORWARD the REJECT checks
     * of KEELSON-SERVICES end up ahead of the accepts of KEELSON-FORWARD.
     */
    public static final List<Jump> JUMPS = List.of(
            new Jump("nat", "PREROUTING", List.of("-m", "comment", "--comment", "keelson service portals",
                    "-j", ChainNames.SERVICES)),
            new Jump("nat", "OUTPUT", List.of("-m", "comment", "--comment", "keelson service portals",
                    "-j", ChainNames.SERVICES)),
            new Jump("nat", "POSTROUTING", List.of("-m", "comment", "--comment", "keelson postrouting rules",
                    "-j", ChainNames.POSTROUTING)),
            new Jump("filter", "FORWARD", List.of("-m", "comment", "--comment", "keelson forwarding rules",
                    "-j", ChainNames.FORWARD)),
            new Jump("filter", "FORWARD", List.of("-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
                    "--comment", "keelson service portals", "-j", ChainNames.SERVICES)),
            new Jump("filter", "INPUT", List.of("-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
                    "--comment", "keelson service portals", "-j", ChainNames.SERVICES)),
            new Jump("filter", "OUTPUT", List.of("-m", "conntrack", "--ctstate", "NEW", "-m", "comment",
                    "--comment", "keelson service portals", "-j", ChainNames.SERVICES)));

    private final CommandRunner runner;

    public Iptables(CommandRunner runner) {
        this.runner = runner;
    }

    public void restore(String text) {
        runner.run(List.of(RESTORE, "--noflush"), text).orThrow();
    }

    public String save(String table) {
        return runner.run(List.of(SAVE, "-t", table)).orThrow().stdout();
    }

    /** Chains named KEELSON-* that exist now in the table. */
    public Set<String> ownedChains(String table) {
        return ownedChainsIn(save(table));
    }

    static Set<String> ownedChainsIn(String saved) {
        Set<String> chains = new TreeSet<>();
        for (String line : saved.split("\n")) {
            if (line.startsWith(":" + ChainNames.PREFIX)) {
                chains.add(line.substring(1, line.indexOf(' ')));
            }
        }
        return chains;
    }

    /** Adds every missing jump; returns how many were missing (a hand-deleted jump is repaired here). */
    public int ensureJumps() {
        int added = 0;
        for (Jump jump : JUMPS) {
            List<String> check = new ArrayList<>(List.of(IPTABLES, "-w", "5", "-t", jump.table(), "-C", jump.chain()));
            check.addAll(jump.spec());
            if (runner.run(check).ok()) {
                continue;
            }
            List<String> insert = new ArrayList<>(List.of(IPTABLES, "-w", "5", "-t", jump.table(), "-I",
                    jump.chain(), "1"));
            insert.addAll(jump.spec());
            runner.run(insert).orThrow();
            added++;
        }
        return added;
    }

    /** Removes our jumps from the built-in chains and every KEELSON-* chain, in one transaction. */
    public void removeAll() {
        String text = removalText("filter", save("filter")) + removalText("nat", save("nat"));
        restore(text);
    }

    static String removalText(String table, String saved) {
        StringBuilder out = new StringBuilder("*" + table + "\n");
        Set<String> owned = ownedChainsIn(saved);
        for (String chain : owned) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        for (String line : saved.split("\n")) {
            if (!line.startsWith("-A ")) {
                continue;
            }
            String chain = line.substring(3, line.indexOf(' ', 3));
            if (!chain.startsWith(ChainNames.PREFIX) && line.contains("-j " + ChainNames.PREFIX)) {
                out.append("-D ").append(line.substring(3)).append('\n');
            }
        }
        for (String chain : owned) {
            out.append("-X ").append(chain).append('\n');
        }
        return out.append("COMMIT\n").toString();
    }
}
