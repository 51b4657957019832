package dev.keelson.proxy.system;

import dev.keelson.proxy.rules.RuleSet;
import dev.keelson.proxy.rules.TableState;
import java.util.Map;
import java.util.Set;

/**
 * Applies rule sets to the node's nat and filter tables and remembers what the last successful apply left there,
 * so the next one may be partial: rewrite only the dispatch chains and the chains of services that changed.
 * Not thread-safe: the proxy's single sync thread owns it.
 */
public final class RuleApplier {
    /** How a sync went: whether it was partial, and how much text iptables-restore was given. */
    public record Applied(boolean partial, int restoreLines) {}

    private final Iptables iptables;
    private TableState nat;
    private TableState filter;

    public RuleApplier(Iptables iptables) {
        this.iptables = iptables;
    }

    /**
     * Writes {@code rules}. A full apply reads the tables first and rewrites every chain, then checks the jumps
     * from the built-in chains; it is done when {@code full} is asked for and whenever there was no successful
     * apply before (the first one, and the one after a failure, since a failed restore leaves the tables in a
     * state this object did not see). Otherwise only the chains of {@code changedServices} ("namespace/name")
     * and the dispatch chains are written.
     */
    public Applied apply(RuleSet rules, Set<String> changedServices, boolean full) {
        boolean partial = !full && nat != null;
        try {
            if (!partial) {
                Map<String, TableState> tables = iptables.tables();
                nat = tables.get("nat");
                filter = tables.get("filter");
            }
            String text = partial ? rules.partialRestoreText(nat, filter, changedServices)
                    : rules.restoreText(nat, filter);
            iptables.restore(text);
            nat = rules.natAfter(nat);
            filter = rules.filterAfter(filter);
            if (!partial) {
                iptables.ensureJumps();
            }
            return new Applied(partial, countLines(text));
        } catch (RuntimeException e) {
            nat = null;
            filter = null;
            throw e;
        }
    }

    private static int countLines(String text) {
        int lines = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
