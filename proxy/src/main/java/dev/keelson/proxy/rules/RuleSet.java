package dev.keelson.proxy.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The complete desired content of every chain the proxy owns, in the nat and filter tables. Rules are
 * iptables-restore lines ("-A CHAIN ..."); every chain written is replaced as a whole on apply.
 *
 * @param chainServices per-service nat chains (SVC, SVL, EXT, SEP) -> the service they belong to
 *                      ("namespace/name"); chains not in it are the dispatch chains every sync rewrites
 */
public record RuleSet(List<String> natChains, List<String> natRules, List<String> filterChains,
                      List<String> filterRules, Map<String, String> chainServices) {

    public RuleSet {
        natChains = List.copyOf(natChains);
        natRules = List.copyOf(natRules);
        filterChains = List.copyOf(filterChains);
        filterRules = List.copyOf(filterRules);
        chainServices = Map.copyOf(chainServices);
    }

    public int ruleCount() {
        return natRules.size() + filterRules.size();
    }

    /**
     * Input for one {@code iptables-restore --noflush} that rewrites every chain the proxy owns: declaring a
     * chain flushes it, so each is replaced atomically with the rest; chains the tables hold but the rule set
     * no longer needs are deleted.
     */
    public String restoreText(TableState nat, TableState filter) {
        return render(nat, filter, chain -> true);
    }

    /**
     * Like {@link #restoreText} but rewrites only the dispatch chains and the chains of the given services
     * ("namespace/name"), plus any chain the nat table does not have yet; the chains of other services are
     * left as they are, which is right as long as those services did not change since {@code nat} was true.
     * Stale chains are deleted as in a full sync.
     */
    public String partialRestoreText(TableState nat, TableState filter, Set<String> changedServices) {
        return render(nat, filter, chain -> {
            String service = chainServices.get(chain);
            return service == null || changedServices.contains(service);
        });
    }

    /** What the nat table holds after this rule set was applied to {@code before}. */
    public TableState natAfter(TableState before) {
        return after(natChains, before);
    }

    public TableState filterAfter(TableState before) {
        return after(filterChains, before);
    }

    private static TableState after(List<String> chains, TableState before) {
        Set<String> now = new HashSet<>(chains);
        if (before.createdByProxy()) {
            now.add(ChainNames.TABLE_MARK);
        }
        return new TableState(true, now);
    }

    private String render(TableState nat, TableState filter, Predicate<String> rewrite) {
        StringBuilder out = new StringBuilder(64 * (ruleCount() + natChains.size() + 16));
        table(out, "filter", filterChains, filterRules, filter, rewrite);
        table(out, "nat", natChains, natRules, nat, rewrite);
        return out.toString();
    }

    private static void table(StringBuilder out, String name, List<String> chains, List<String> rules,
                              TableState now, Predicate<String> rewrite) {
        out.append('*').append(name).append('\n');
        if (!now.present()) {
            out.append(':').append(ChainNames.TABLE_MARK).append(" - [0:0]\n");
        }
        Set<String> written = new HashSet<>();
        for (String chain : chains) {
            if (rewrite.test(chain) || !now.chains().contains(chain)) {
                written.add(chain);
                out.append(':').append(chain).append(" - [0:0]\n");
            }
        }
        Set<String> wanted = Set.copyOf(chains);
        List<String> toDelete = new ArrayList<>();
        for (String chain : now.chains()) {
            if (!wanted.contains(chain) && !chain.equals(ChainNames.TABLE_MARK)) {
                toDelete.add(chain);
            }
        }
        toDelete.sort(null);
        // A stale chain is flushed first so no rule in it still references another chain being deleted.
        for (String chain : toDelete) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        for (String rule : rules) {
            if (written.contains(chainOf(rule))) {
                out.append(rule).append('\n');
            }
        }
        for (String chain : toDelete) {
            out.append("-X ").append(chain).append('\n');
        }
        out.append("COMMIT\n");
    }

    /** The chain an "-A CHAIN ..." line appends to. */
    static String chainOf(String rule) {
        int end = rule.indexOf(' ', 3);
        return rule.substring(3, end < 0 ? rule.length() : end);
    }
}
