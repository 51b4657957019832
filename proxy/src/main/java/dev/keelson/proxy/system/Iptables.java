package dev.keelson.proxy.system;

import dev.keelson.proxy.rules.ChainNames;
import dev.keelson.proxy.rules.SavedForm;
import dev.keelson.proxy.rules.TableState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    public record Jump(String table, String chain, List<String> spec) {
        /** The rule as iptables-save prints it. */
        String savedForm() {
            StringBuilder rule = new StringBuilder("-A ").append(chain);
            for (String token : spec) {
                rule.append(' ').append(token.contains(" ") ? "\"" + token + "\"" : token);
            }
            return SavedForm.of(rule.toString());
        }
    }

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

    /** The nat and filter tables as they are now: whether each exists and the KEELSON-* chains it holds. */
    public Map<String, TableState> tables() {
        return snapshot().tables();
    }

    /**
     * The nat and filter tables as iptables-save shows them now.
     *
     * @param tables "nat"/"filter" -> whether it exists and the KEELSON-* chains it holds
     * @param rules  "nat"/"filter" -> every chain of the table (built-in ones included) -> its rules as printed
     */
    public record Snapshot(Map<String, TableState> tables, Map<String, Map<String, List<String>>> rules) {
        /** The rules of one chain as printed, empty if the chain does not exist. */
        public List<String> rulesOf(String table, String chain) {
            return rules.getOrDefault(table, Map.of()).getOrDefault(chain, List.of());
        }

        /** How many of {@link #JUMPS} the built-in chains lack. */
        public int missingJumps() {
            int missing = 0;
            for (Jump jump : JUMPS) {
                if (!rulesOf(jump.table(), jump.chain()).contains(jump.savedForm())) {
                    missing++;
                }
            }
            return missing;
        }
    }

    public Snapshot snapshot() {
        return snapshotOf(save());
    }

    static Snapshot snapshotOf(String saved) {
        Map<String, String> sections = sectionsIn(saved);
        Map<String, TableState> tables = new HashMap<>();
        Map<String, Map<String, List<String>>> rules = new HashMap<>();
        for (String table : List.of("nat", "filter")) {
            String section = sections.get(table);
            tables.put(table, section == null ? TableState.ABSENT : new TableState(true, ownedChainsIn(section)));
            rules.put(table, section == null ? Map.of() : rulesIn(section));
        }
        return new Snapshot(tables, rules);
    }

    /** Chain -> its "-A" lines in order, for every chain a saved table declares. */
    static Map<String, List<String>> rulesIn(String section) {
        Map<String, List<String>> rules = new HashMap<>();
        for (String line : section.split("\n")) {
            if (line.startsWith(":")) {
                rules.computeIfAbsent(line.substring(1, line.indexOf(' ')), c -> new ArrayList<>());
            } else if (line.startsWith("-A ")) {
                int end = line.indexOf(' ', 3);
                rules.computeIfAbsent(line.substring(3, end < 0 ? line.length() : end), c -> new ArrayList<>())
                        .add(line);
            }
        }
        return rules;
    }

    /** Every table that exists, as iptables-save prints it; a table that does not exist is not printed. */
    private String save() {
        return runner.run(List.of(SAVE)).orThrow().stdout();
    }

    /** Table name -> its lines from "*table" to "COMMIT". */
    static Map<String, String> sectionsIn(String saved) {
        Map<String, String> sections = new LinkedHashMap<>();
        String table = null;
        StringBuilder section = new StringBuilder();
        for (String line : saved.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1).strip();
                section.setLength(0);
            }
            if (table != null) {
                section.append(line).append('\n');
                if (line.equals("COMMIT")) {
                    sections.put(table, section.toString());
                    table = null;
                }
            }
        }
        return sections;
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

    /**
     * Removes our jumps from the built-in chains and every KEELSON-* chain. A table the proxy created (it holds
     * the {@link ChainNames#TABLE_MARK}) and in which nothing else was put meanwhile is deleted as a whole, so
     * the node is left as iptables-save showed it before the proxy ran.
     */
    public void removeAll() {
        StringBuilder remove = new StringBuilder();
        StringBuilder delete = new StringBuilder();
        for (Map.Entry<String, String> table : sectionsIn(save()).entrySet()) {
            if (!table.getKey().equals("nat") && !table.getKey().equals("filter")) {
                continue;
            }
            String section = table.getValue();
            if (ownedChainsIn(section).contains(ChainNames.TABLE_MARK) && onlyOursIn(section)) {
                delete.append('*').append(table.getKey()).append("\nCOMMIT\n");
            } else if (!ownedChainsIn(section).isEmpty() || section.contains("-j " + ChainNames.PREFIX)) {
                remove.append(removalText(table.getKey(), section));
            }
        }
        if (!remove.isEmpty()) {
            restore(remove.toString());
        }
        if (!delete.isEmpty()) {
            // without --noflush, a table named with nothing in it is deleted
            runner.run(List.of(RESTORE), delete.toString()).orThrow();
        }
    }

    /**
     * Whether everything in a saved table is ours: its chains are ours or built-in ones with the default ACCEPT
     * policy, and its rules are in our chains or jump to them.
     */
    static boolean onlyOursIn(String section) {
        for (String line : section.split("\n")) {
            if (line.startsWith(":") && !line.startsWith(":" + ChainNames.PREFIX)
                    && !line.matches(":\\S+ ACCEPT \\[\\d+:\\d+\\]")) {
                return false;
            }
            if (line.startsWith("-A ") && !line.startsWith("-A " + ChainNames.PREFIX)
                    && !line.contains("-j " + ChainNames.PREFIX)) {
                return false;
            }
        }
        return true;
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
