package dev.keelson.proxy.rules;

import java.util.Set;

/**
 * What one iptables table (nat or filter) of the node holds of the proxy's: whether the table exists at all and
 * which KEELSON-* chains it has.
 */
public record TableState(boolean present, Set<String> chains) {
    public static final TableState ABSENT = new TableState(false, Set.of());

    public TableState {
        chains = Set.copyOf(chains);
    }

    /** The marker stays as long as the table does: it records who created the table, not what it holds. */
    boolean createdByProxy() {
        return !present || chains.contains(ChainNames.TABLE_MARK);
    }
}
