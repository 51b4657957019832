package dev.keelson.apiserver.selection;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A parsed label selector in Kubernetes' string syntax: {@code a=b,c!=d,e in (x,y),f notin (z),g,!h}. */
public final class LabelSelector {
    public enum Op { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST, GT, LT }

    public record Requirement(String key, Op op, Set<String> values) {
        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (op) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
                case GT, LT -> {
                    if (v == null) {
                        yield false;
                    }
                    try {
                        long have = Long.parseLong(v);
                        long want = Long.parseLong(values.iterator().next());
                        yield op == Op.GT ? have > want : have < want;
                    } catch (NumberFormatException e) {
                        yield false;
                    }
                }
            };
        }
    }

    private static final LabelSelector EVERYTHING = new LabelSelector(List.of());
    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = requirements;
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean matches(JsonNode object) {
        return isEmpty() || matches(Labels.of(object));
    }

    /** Parses a selector; throws {@link SelectorException} with Kubernetes' wording on syntax errors. */
    public static LabelSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        Lexer lx = new Lexer(text);
        while (true) {
            lx.skipSpaces();
            if (lx.atEnd()) {
                break;
            }
            out.add(requirement(lx));
            lx.skipSpaces();
            if (lx.atEnd()) {
                break;
            }
            if (!lx.consume(",")) {
                throw new SelectorException("unable to parse requirement: found '" + lx.rest() + "', expected: ','");
            }
        }
        return new LabelSelector(List.copyOf(out));
    }

    private static Requirement requirement(Lexer lx) {
        if (lx.consume("!")) {
            lx.skipSpaces();
            String key = lx.identifier();
            checkKey(key);
            return new Requirement(key, Op.DOES_NOT_EXIST, Set.of());
        }
        String key = lx.identifier();
        checkKey(key);
        lx.skipSpaces();
        if (lx.atEnd() || lx.peek() == ',') {
            return new Requirement(key, Op.EXISTS, Set.of());
        }
        Op op;
        if (lx.consume("==")) {
            op = Op.EQUALS;
        } else if (lx.consume("!=")) {
            op = Op.NOT_EQUALS;
        } else if (lx.consume("=")) {
            op = Op.EQUALS;
        } else if (lx.consume(">")) {
            op = Op.GT;
        } else if (lx.consume("<")) {
            op = Op.LT;
        } else if (lx.consumeWord("notin")) {
            op = Op.NOT_IN;
        } else if (lx.consumeWord("in")) {
            op = Op.IN;
        } else {
            throw new SelectorException("unable to parse requirement: found '" + lx.rest()
                    + "', expected: in, notin, =, ==, !=, gt, lt");
        }
        lx.skipSpaces();
        Set<String> values = new LinkedHashSet<>();
        if (op == Op.IN || op == Op.NOT_IN) {
            if (!lx.consume("(")) {
                throw new SelectorException("found '" + lx.rest() + "', expected: '('");
            }
            while (true) {
                lx.skipSpaces();
                if (lx.consume(")")) {
                    break;
                }
                String v = lx.identifier();
                checkValue(v);
                values.add(v);
                lx.skipSpaces();
                if (lx.consume(",")) {
                    continue;
                }
                if (lx.consume(")")) {
                    break;
                }
                throw new SelectorException("found '" + lx.rest() + "', expected: ',', or ')'");
            }
        } else {
            String v = lx.identifier();
            checkValue(v);
            if ((op == Op.GT || op == Op.LT)) {
                try {
                    Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new SelectorException("for 'Gt', 'Lt' operators, the value must be an integer");
                }
            }
            values.add(v);
        }
        return new Requirement(key, op, Set.copyOf(values));
    }

    private static void checkKey(String key) {
        if (key.isEmpty()) {
            throw new SelectorException("invalid label key: empty");
        }
        if (!Labels.isQualifiedName(key)) {
            throw new SelectorException("invalid label key \"" + key + "\": name part must consist of alphanumeric "
                    + "characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        }
    }

    private static void checkValue(String value) {
        if (!Labels.isValidValue(value)) {
            throw new SelectorException("invalid label value: \"" + value + "\": a valid label must be an empty string "
                    + "or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    + "alphanumeric character");
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Requirement r : requirements) {
            String v = String.join(",", r.values());
            parts.add(switch (r.op()) {
                case EQUALS -> r.key() + "=" + v;
                case NOT_EQUALS -> r.key() + "!=" + v;
                case IN -> r.key() + " in (" + v + ")";
                case NOT_IN -> r.key() + " notin (" + v + ")";
                case EXISTS -> r.key();
                case DOES_NOT_EXIST -> "!" + r.key();
                case GT -> r.key() + ">" + v;
                case LT -> r.key() + "<" + v;
            });
        }
        return String.join(",", parts);
    }

    /** Character cursor over the selector text. */
    private static final class Lexer {
        private final String s;
        private int i;

        Lexer(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        char peek() {
            return s.charAt(i);
        }

        String rest() {
            return s.substring(i);
        }

        void skipSpaces() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        boolean consume(String token) {
            if (s.startsWith(token, i)) {
                i += token.length();
                return true;
            }
            return false;
        }

        boolean consumeWord(String word) {
            if (s.startsWith(word, i)) {
                int end = i + word.length();
                if (end < s.length() && (Character.isWhitespace(s.charAt(end)) || s.charAt(end) == '(')) {
                    i = end;
                    return true;
                }
            }
            return false;
        }

        String identifier() {
            int start = i;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c) || c == ',' || c == '=' || c == '!' || c == '(' || c == ')'
                        || c == '<' || c == '>') {
                    break;
                }
                i++;
            }
            return s.substring(start, i);
        }
    }
}
