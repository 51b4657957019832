package dev.keelson.proxy.rules;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * How iptables-save prints a rule the proxy wrote, so the periodic resync can compare the tables with the desired
 * rules as text. It knows the shapes {@link ServiceRuleWriter} writes: the address and protocol matches move to
 * the front, {@code recent} and {@code MARK} options are printed in their canonical order and form, probabilities
 * as the kernel stores them (31 bits), and comments lose their quotes when they need none. A shape it gets wrong
 * only makes the resync rewrite that chain every time, never leaves a wrong rule in place.
 */
public final class SavedForm {
    private static final BigDecimal TWO_POW_31 = BigDecimal.valueOf(0x80000000L);

    private SavedForm() {}

    /** The line iptables-save prints for the "-A CHAIN ..." rule {@code rule}. */
    public static String of(String rule) {
        List<String> tokens = tokens(rule);
        if (tokens.size() < 2 || !tokens.get(0).equals("-A")) {
            return rule;
        }
        String[] header = new String[3];
        List<String> rest = new ArrayList<>();
        for (int i = 2; i < tokens.size(); i++) {
            String t = tokens.get(i);
            boolean negated = t.equals("!") && i + 2 < tokens.size() && headerIndex(tokens.get(i + 1)) >= 0;
            String option = negated ? tokens.get(i + 1) : t;
            int index = headerIndex(option);
            if (index >= 0 && i + (negated ? 2 : 1) < tokens.size()) {
                int valueAt = i + (negated ? 2 : 1);
                header[index] = (negated ? "! " : "") + option + " " + tokens.get(valueAt);
                i = valueAt;
            } else {
                rest.add(t);
            }
        }
        StringBuilder out = new StringBuilder("-A ").append(tokens.get(1));
        for (String h : header) {
            if (h != null) {
                out.append(' ').append(h);
            }
        }
        for (String t : canonicalOptions(rest)) {
            out.append(' ').append(t);
        }
        return out.toString();
    }

    /** -s, -d and -p are printed first, in this order, wherever the rule put them. */
    private static int headerIndex(String option) {
        return switch (option) {
            case "-s" -> 0;
            case "-d" -> 1;
            case "-p" -> 2;
            default -> -1;
        };
    }

    private static List<String> canonicalOptions(List<String> tokens) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.equals("--comment") && i + 1 < tokens.size()) {
                out.add(t);
                out.add(quoted(tokens.get(++i)));
            } else if (t.equals("--probability") && i + 1 < tokens.size()) {
                out.add(t);
                out.add(probability(tokens.get(++i)));
            } else if (t.equals("--or-mark") && i + 1 < tokens.size()) {
                String mark = tokens.get(++i);
                out.add("--set-xmark");
                out.add(mark + "/" + mark);
            } else if (t.equals("-m") && i + 1 < tokens.size() && tokens.get(i + 1).equals("recent")) {
                int end = i + 2;
                while (end < tokens.size() && !tokens.get(end).equals("-m") && !tokens.get(end).equals("-j")) {
                    end++;
                }
                out.add("-m");
                out.add("recent");
                out.addAll(recent(tokens.subList(i + 2, end)));
                i = end - 1;
            } else {
                out.add(t);
            }
        }
        return out;
    }

    /** libxt_recent prints the mode and its modifiers, then the list name, the mask and the address side. */
    private static List<String> recent(List<String> options) {
        List<String> mode = new ArrayList<>();
        List<String> modifiers = new ArrayList<>();
        String name = null;
        String mask = null;
        for (int i = 0; i < options.size(); i++) {
            String t = options.get(i);
            switch (t) {
                case "--set", "--rcheck", "--update", "--remove" -> mode.add(t);
                case "--seconds", "--hitcount" -> {
                    modifiers.add(t);
                    if (i + 1 < options.size()) {
                        modifiers.add(options.get(++i));
                    }
                }
                case "--name" -> name = i + 1 < options.size() ? options.get(++i) : null;
                case "--mask" -> mask = i + 1 < options.size() ? options.get(++i) : null;
                case "--rsource" -> { }
                default -> modifiers.add(t);
            }
        }
        List<String> out = new ArrayList<>(mode);
        out.addAll(modifiers);
        out.add("--name");
        out.add(name == null ? "DEFAULT" : name);
        out.add("--mask");
        out.add(mask == null ? "255.255.255.255" : mask);
        out.add("--rsource");
        return out;
    }

    /** The kernel keeps round(p * 2^31); iptables prints that back with 11 decimals. */
    static String probability(String written) {
        try {
            long stored = new BigDecimal(written).multiply(TWO_POW_31).setScale(0, RoundingMode.HALF_UP)
                    .longValueExact();
            return new BigDecimal(stored).divide(TWO_POW_31).setScale(11, RoundingMode.HALF_EVEN).toPlainString();
        } catch (NumberFormatException | ArithmeticException e) {
            return written;
        }
    }

    /** As iptables' xtables_save_string: bare when made only of letters, digits, '_' and '-', else quoted. */
    private static String quoted(String value) {
        if (!value.isEmpty() && value.chars().allMatch(c -> c == '_' || c == '-' || (c >= '0' && c <= '9')
                || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            return value;
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            if (c == '"' || c == '\\' || c == '\'') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append('"').toString();
    }

    /** Splits on spaces; a double-quoted string is one token, without its quotes. */
    static List<String> tokens(String rule) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < rule.length(); i++) {
            char c = rule.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    tokens.add(current.toString());
                    current.setLength(0);
                    any = false;
                }
            } else {
                current.append(c);
                any = true;
            }
        }
        if (any) {
            tokens.add(current.toString());
        }
        return tokens;
    }
}
