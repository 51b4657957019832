package dev.keelson.proxy.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of {@code iptables-restore --noflush} over the proxy's chains, for unit tests: declaring a chain creates
 * or flushes it, "-A" and "-I n" need the chain and its jump target to exist (and "-I" a position at most one past
 * the end), "-D" needs the rule, "-X" needs the chain empty and unreferenced, and a table whose text fails leaves
 * the table as it was.
 */
final class RestoreModel {
    private static final Pattern JUMP = Pattern.compile(" -j (KEELSON-[A-Z0-9-]+)");
    private final Map<String, Map<String, List<String>>> tables = new HashMap<>();

    /** Table -> chain -> rules, as iptables-save would show the KEELSON chains (order of chains aside). */
    Map<String, Map<String, List<String>>> state() {
        return tables;
    }

    TableState tableState(String table) {
        Map<String, List<String>> chains = tables.get(table);
        return chains == null ? TableState.ABSENT : new TableState(true, chains.keySet());
    }

    void apply(String text) {
        String table = null;
        Map<String, List<String>> chains = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("*")) {
                table = line.substring(1);
                chains = copy(tables.getOrDefault(table, Map.of()));
            } else if (line.equals("COMMIT")) {
                tables.put(table, chains);
            } else if (line.startsWith(":")) {
                chains.put(line.substring(1, line.indexOf(' ')), new ArrayList<>());
            } else if (line.startsWith("-A ") || line.startsWith("-I ")) {
                String chain = RuleSet.chainOf(line);
                if (!chains.containsKey(chain)) {
                    throw new IllegalStateException("chain " + chain + " does not exist: " + line);
                }
                Matcher m = JUMP.matcher(line);
                if (m.find() && !chains.containsKey(m.group(1))) {
                    throw new IllegalStateException("jump target " + m.group(1) + " does not exist: " + line);
                }
                List<String> rules = chains.get(chain);
                if (line.startsWith("-A ")) {
                    rules.add(line);
                } else {
                    String rest = line.substring(4 + chain.length());
                    int position = Integer.parseInt(rest.substring(0, rest.indexOf(' ')));
                    if (position < 1 || position > rules.size() + 1) {
                        throw new IllegalStateException("no position " + position + " in " + chain + ": " + line);
                    }
                    rules.add(position - 1, "-A " + chain + rest.substring(rest.indexOf(' ')));
                }
            } else if (line.startsWith("-D ")) {
                String chain = RuleSet.chainOf(line);
                if (!chains.containsKey(chain) || !chains.get(chain).remove("-A" + line.substring(2))) {
                    throw new IllegalStateException("no such rule to delete: " + line);
                }
            } else if (line.startsWith("-X ")) {
                String chain = line.substring(3);
                if (!chains.containsKey(chain) || !chains.get(chain).isEmpty()) {
                    throw new IllegalStateException("cannot delete missing or non-empty chain " + chain);
                }
                for (List<String> rules : chains.values()) {
                    for (String rule : rules) {
                        if (rule.endsWith(" -j " + chain) || rule.contains(" -j " + chain + " ")) {
                            throw new IllegalStateException("chain " + chain + " is still referenced: " + rule);
                        }
                    }
                }
                chains.remove(chain);
            } else {
                throw new IllegalArgumentException("unexpected restore line: " + line);
            }
        }
    }

    private static Map<String, List<String>> copy(Map<String, List<String>> chains) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        chains.forEach((chain, rules) -> copy.put(chain, new ArrayList<>(rules)));
        return copy;
    }
}
