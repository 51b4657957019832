package dev.keelson.proxy.rules;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one iptables table (nat or filter) of the node holds of the proxy's: whether the table exists at all, which
 * KEELSON-* chains it has, and the rules of the chains whose content is known (as last written by the proxy),
 * which a partial sync then leaves alone when unchanged, or edits rule by rule.
 */
public record TableState(boolean present, Set<String> chains, Map<String, List<String>> knownRules) {
    public static final TableState ABSENT = new TableState(false, Set.of());

    public TableState {
        chains = Set.copyOf(chains);
        knownRules = Map.copyOf(knownRules);
    }

    /** A table whose chains' content is not known: a partial sync rewrites whole the chains it writes. */
    public TableState(boolean present, Set<String> chains) {
        this(present, chains, Map.of());
    }

    /** The marker stays as long as the table does: it records who created the table, not what it holds. */
    boolean createdByProxy() {
        return !present || chains.contains(ChainNames.TABLE_MARK);
    }
}
