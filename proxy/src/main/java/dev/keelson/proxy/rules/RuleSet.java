package dev.keelson.proxy.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * The complete desired content of every chain the proxy owns, in the nat and filter tables. Rules are
 * iptables-restore lines ("-A CHAIN ..."). A restore text replaces the chains it writes as a whole, except that a
 * partial one may edit a dispatch chain rule by rule.
 *
 * @param chainServices per-service nat chains (SVC, SVL, EXT, SEP) -> the service they belong to
 *                      ("namespace/name"); chains not in it are the dispatch chains every sync brings up to date
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
        return render(nat, filter, (table, chain) -> true, false);
    }

    /**
     * Like {@link #restoreText} but writes only the chains of the given services ("namespace/name") and the
     * dispatch chains, plus any chain the table does not have yet; the chains of other services are left as they
     * are, which is right as long as those services did not change since {@code nat} was true. Of those, a chain
     * whose rules the table state knows is skipped when they did not change, and a dispatch chain is edited rule by
     * rule when only a few did; the others are rewritten. Stale chains are deleted as in a full sync.
     */
    public String partialRestoreText(TableState nat, TableState filter, Set<String> changedServices) {
        return render(nat, filter, (table, chain) -> {
            String service = table.equals("nat") ? chainServices.get(chain) : null;
            return service == null || changedServices.contains(service);
        }, true);
    }

    /**
     * Like {@link #restoreText} but rewrites only the chains named per table ("nat", "filter"), which a comparison
     * with the tables found to differ, plus any chain a table does not have yet; stale chains are deleted.
     */
    public String repairRestoreText(TableState nat, TableState filter, Map<String, Set<String>> differing) {
        return render(nat, filter, (table, chain) -> differing.getOrDefault(table, Set.of()).contains(chain),
                false);
    }

    /** Each chain's rules in order, for "nat" or "filter"; every chain of the table is a key. */
    public Map<String, List<String>> rulesByChain(String table) {
        boolean nat = table.equals("nat");
        Map<String, List<String>> byChain = new LinkedHashMap<>();
        for (String chain : nat ? natChains : filterChains) {
            byChain.put(chain, new ArrayList<>());
        }
        for (String rule : nat ? natRules : filterRules) {
            byChain.get(chainOf(rule)).add(rule);
        }
        byChain.replaceAll((chain, rules) -> Collections.unmodifiableList(rules));
        return byChain;
    }

    /** What the nat table holds after this rule set was applied to {@code before}. */
    public TableState natAfter(TableState before) {
        return after("nat", natChains, before);
    }

    public TableState filterAfter(TableState before) {
        return after("filter", filterChains, before);
    }

    private TableState after(String table, List<String> chains, TableState before) {
        Set<String> now = new HashSet<>(chains);
        if (before.createdByProxy()) {
            now.add(ChainNames.TABLE_MARK);
        }
        return new TableState(true, now, rulesByChain(table));
    }

    private boolean isDispatch(String table, String chain) {
        return !table.equals("nat") || !chainServices.containsKey(chain);
    }

    private String render(TableState nat, TableState filter, BiPredicate<String, String> rewrite, boolean partial) {
        StringBuilder out = new StringBuilder(64 * (ruleCount() + natChains.size() + 16));
        table(out, "filter", filterChains, filter, rewrite, partial);
        table(out, "nat", natChains, nat, rewrite, partial);
        return out.toString();
    }

    private void table(StringBuilder out, String name, List<String> chains, TableState now,
                       BiPredicate<String, String> rewrite, boolean partial) {
        out.append('*').append(name).append('\n');
        if (!now.present()) {
            out.append(':').append(ChainNames.TABLE_MARK).append(" - [0:0]\n");
        }
        Map<String, List<String>> wanted = rulesByChain(name);
        List<String> written = new ArrayList<>();
        List<ChainEdits> edits = new ArrayList<>();
        for (String chain : chains) {
            if (now.chains().contains(chain) && !rewrite.test(name, chain)) {
                continue;
            }
            List<String> known = partial && now.chains().contains(chain) ? now.knownRules().get(chain) : null;
            if (known == null) {
                written.add(chain);
            } else if (!known.equals(wanted.get(chain))) {
                Optional<ChainEdits> edit = isDispatch(name, chain)
                        ? ChainEdits.between(chain, known, wanted.get(chain)) : Optional.empty();
                if (edit.isPresent()) {
                    edits.add(edit.get());
                } else {
                    written.add(chain);
                }
            }
        }
        for (String chain : written) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        Set<String> wantedChains = wanted.keySet();
        List<String> toDelete = new ArrayList<>();
        for (String chain : now.chains()) {
            if (!wantedChains.contains(chain) && !chain.equals(ChainNames.TABLE_MARK)) {
                toDelete.add(chain);
            }
        }
        toDelete.sort(null);
        // A stale chain is flushed first so no rule in it still references another chain being deleted.
        for (String chain : toDelete) {
            out.append(':').append(chain).append(" - [0:0]\n");
        }
        // rules leave edited chains before the chains they jump to are deleted, and enter them once their
        // targets are declared
        edits.forEach(e -> e.deletes().forEach(line -> out.append(line).append('\n')));
        for (String chain : written) {
            wanted.get(chain).forEach(rule -> out.append(rule).append('\n'));
        }
        edits.forEach(e -> e.inserts().forEach(line -> out.append(line).append('\n')));
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
