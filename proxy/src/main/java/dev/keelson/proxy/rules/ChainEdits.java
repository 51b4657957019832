package dev.keelson.proxy.rules;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The rule-level edits ("-D CHAIN spec", then "-I CHAIN n spec" or "-A") that turn a chain's known rules into the
 * wanted ones, so a sync that adds or removes a few services does not rewrite a 1,000-rule dispatch chain. None
 * when a rewrite is the safer or cheaper choice: rules repeated within a chain (a "-D" by spec would be ambiguous),
 * rules that changed order, or more edits than {@link #MAX_EDIT_SHARE} of the chain.
 *
 * @param deletes lines that remove rules; they come before {@code inserts}
 * @param inserts lines that add rules, in ascending position, each position counted after the deletes and the
 *                inserts before it
 */
public record ChainEdits(List<String> deletes, List<String> inserts) {
    /** Above this share of the wanted chain's length, rewriting the chain is no dearer than editing it. */
    static final double MAX_EDIT_SHARE = 0.5;

    public ChainEdits {
        deletes = List.copyOf(deletes);
        inserts = List.copyOf(inserts);
    }

    public boolean isEmpty() {
        return deletes.isEmpty() && inserts.isEmpty();
    }

    public int size() {
        return deletes.size() + inserts.size();
    }

    /** Edits from {@code known} to {@code wanted}, both "-A CHAIN ..." lines of {@code chain}; empty if unsuitable. */
    public static Optional<ChainEdits> between(String chain, List<String> known, List<String> wanted) {
        Set<String> knownSet = new HashSet<>(known);
        Set<String> wantedSet = new HashSet<>(wanted);
        if (knownSet.size() != known.size() || wantedSet.size() != wanted.size()) {
            return Optional.empty();
        }
        List<String> kept = new ArrayList<>();
        List<String> deletes = new ArrayList<>();
        for (String rule : known) {
            if (wantedSet.contains(rule)) {
                kept.add(rule);
            } else {
                deletes.add("-D" + rule.substring(2));
            }
        }
        List<String> inserts = new ArrayList<>();
        int keptAt = 0;
        for (int i = 0; i < wanted.size(); i++) {
            String rule = wanted.get(i);
            if (knownSet.contains(rule)) {
                if (keptAt >= kept.size() || !kept.get(keptAt).equals(rule)) {
                    return Optional.empty();
                }
                keptAt++;
            } else {
                // the i rules before it are in place by now; with no kept rule left after it, it is appended
                inserts.add(keptAt == kept.size() ? rule
                        : "-I " + chain + " " + (i + 1) + rule.substring(3 + chain.length()));
            }
        }
        if (deletes.size() + inserts.size() > Math.max(1, wanted.size() * MAX_EDIT_SHARE)) {
            return Optional.empty();
        }
        return Optional.of(new ChainEdits(deletes, inserts));
    }
}
