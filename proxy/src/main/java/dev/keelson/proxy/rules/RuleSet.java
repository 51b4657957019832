package dev.keelson.proxy.rules;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * The complete desired content of every chain the proxy owns, in the nat and filter tables. Rules are
 * iptables-restore lines ("-A CHAIN ..."); every chain listed is rewritten as a whole on apply.
 */
public record RuleSet(List<String> natChains, List<String> natRules, List<String> filterChains,
                      List<String> filterRules) {

    public RuleSet {
        natChains = List.copyOf(natChains);
        natRules = List.copyOf(natRules);
        filterChains = List.copyOf(filterChains);
        filterRules = List.copyOf(filterRules);
    }

    public int ruleCount() {
        return natRules.size() + filterRules.size();
    }

    /**
     * Input for one {@code iptables-restore --noflush}: declaring a chain flushes it, so each owned chain is
     * replaced atomically with the rest; chains the proxy owned before but no longer needs are deleted.
     */
    public String restoreText(Collection<String> staleNatChains, Collection<String> staleFilterChains) {
        StringBuilder out = new StringBuilder(64 * (ruleCount() + natChains.size() + 16));
        table(out, "filter", filterChains, filterRules, staleFilterChains);
        table(out, "nat", natChains, natRules, staleNatChains);
        return out.toString();
    }

    private static void table(StringBuilder out, String name, List<String> chains, List<String> rules,
                              Collection<String> stale) {
        Set<String> wanted = Set.copyOf(chains);
        out.append('*').append(name).append('\n');
        for (String chain : chains) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        List<String> toDelete = stale.stream().filter(c -> !wanted.contains(c)).sorted().toList();
        // A stale chain is flushed first so no rule in it still references another chain being deleted.
        for (String chain : toDelete) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        for (String rule : rules) {
            out.append(rule).append('\n');
        }
        for (String chain : toDelete) {
            out.append("-X ").append(chain).append('\n');
        }
        out.append("COMMIT\n");
    }
}
