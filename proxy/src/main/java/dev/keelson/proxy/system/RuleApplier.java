package dev.keelson.proxy.system;

import dev.keelson.proxy.rules.RuleSet;
import dev.keelson.proxy.rules.SavedForm;
import dev.keelson.proxy.rules.TableState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies rule sets to the node's nat and filter tables and remembers what the last successful apply left there,
 * so the next one may be partial (only the chains of services that changed, and rule-level edits of the dispatch
 * chains) or, on a resync, a comparison with the tables that rewrites only the chains found to differ.
 * Not thread-safe: the proxy's single sync thread owns it.
 */
public final class RuleApplier {
    private static final Logger log = LoggerFactory.getLogger(RuleApplier.class);
    private static final List<String> TABLES = List.of("nat", "filter");

    /** What a sync did to the tables. */
    public enum Kind {
        /** read the tables and rewrote every chain: the first sync, and the one after a failure */
        FULL,
        /** read the tables and rewrote only the chains that differed from the rule set */
        RESYNC,
        /** wrote the chains of the changed services and edited the dispatch chains, without reading the tables */
        PARTIAL
    }

    /**
     * How a sync went.
     *
     * @param restoreLines    lines given to iptables-restore, 0 when nothing needed writing
     * @param rewrittenChains chains a resync found different from the rule set (missing ones included)
     */
    public record Applied(Kind kind, int restoreLines, int rewrittenChains) {
        public boolean partial() {
            return kind == Kind.PARTIAL;
        }
    }

    private final Iptables iptables;
    private TableState nat;
    private TableState filter;
    // rule as written -> as iptables-save prints it, kept from one resync to the next
    private Map<String, String> savedForms = new HashMap<>();

    public RuleApplier(Iptables iptables) {
        this.iptables = iptables;
    }

    /** Whether the last apply succeeded, so the next may be partial or a resync rather than a full rewrite. */
    public boolean knowsTables() {
        return nat != null;
    }

    /**
     * Writes {@code rules}. With {@code check} (the first sync and the periodic resync) the tables are read first:
     * after a successful apply only the chains that differ from {@code rules} are rewritten, which also repairs
     * rules changed by hand; when there was none (the first sync, and the one after a failure, since a failed
     * restore leaves the tables in a state this object did not see) every chain is rewritten. Both check the jumps
     * from the built-in chains. Otherwise only the chains of {@code changedServices} ("namespace/name") are
     * written and the dispatch chains edited.
     */
    public Applied apply(RuleSet rules, Set<String> changedServices, boolean check) {
        Kind kind = nat == null ? Kind.FULL : check ? Kind.RESYNC : Kind.PARTIAL;
        long started = System.nanoTime();
        try {
            String text;
            int rewritten = 0;
            Iptables.Snapshot snapshot = null;
            if (kind == Kind.PARTIAL) {
                text = rules.partialRestoreText(nat, filter, changedServices);
            } else {
                snapshot = iptables.snapshot();
                nat = snapshot.tables().get("nat");
                filter = snapshot.tables().get("filter");
                if (kind == Kind.FULL) {
                    text = rules.restoreText(nat, filter);
                } else {
                    Map<String, Set<String>> differing = differing(rules, snapshot);
                    rewritten = differing.values().stream().mapToInt(Set::size).sum();
                    text = rules.repairRestoreText(nat, filter, differing);
                }
            }
            long rendered = System.nanoTime();
            int lines = 0;
            if (kind != Kind.RESYNC || writesAnything(text)) {
                iptables.restore(text);
                lines = countLines(text);
            }
            long restored = System.nanoTime();
            nat = rules.natAfter(nat);
            filter = rules.filterAfter(filter);
            log.debug("{}: tables read and text rendered in {} ms, restore {} ms, state kept in {} ms", kind,
                    (rendered - started) / 1_000_000, (restored - rendered) / 1_000_000,
                    (System.nanoTime() - restored) / 1_000_000);
            if (snapshot != null && (kind == Kind.FULL || snapshot.missingJumps() > 0)) {
                iptables.ensureJumps();
            }
            if (rewritten > 0) {
                log.debug("resync rewrote {} chains that differed from the rule set", rewritten);
            }
            return new Applied(kind, lines, rewritten);
        } catch (RuntimeException e) {
            nat = null;
            filter = null;
            throw e;
        }
    }

    /** Per table, the chains of {@code rules} whose rules the tables do not show exactly, missing chains included. */
    private Map<String, Set<String>> differing(RuleSet rules, Iptables.Snapshot snapshot) {
        Map<String, String> forms = new HashMap<>();
        Map<String, Set<String>> differing = new HashMap<>();
        for (String table : TABLES) {
            Set<String> chains = new HashSet<>();
            boolean present = snapshot.tables().get(table).present();
            for (Map.Entry<String, List<String>> chain : rules.rulesByChain(table).entrySet()) {
                if (!present || !snapshot.tables().get(table).chains().contains(chain.getKey())
                        || !sameRules(chain.getValue(), snapshot.rulesOf(table, chain.getKey()), forms)) {
                    chains.add(chain.getKey());
                }
            }
            differing.put(table, chains);
        }
        savedForms = forms;
        return differing;
    }

    private boolean sameRules(List<String> wanted, List<String> saved, Map<String, String> forms) {
        if (wanted.size() != saved.size()) {
            return false;
        }
        for (int i = 0; i < wanted.size(); i++) {
            String rule = wanted.get(i);
            String form = savedForms.get(rule);
            if (form == null) {
                form = SavedForm.of(rule);
            }
            forms.put(rule, form);
            if (!form.equals(saved.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a restore text holds more than its table headers and COMMITs. */
    private static boolean writesAnything(String text) {
        for (String line : text.split("\n")) {
            if (!line.startsWith("*") && !line.equals("COMMIT")) {
                return true;
            }
        }
        return false;
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
