package dev.keelson.componentbase.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A label selector as Kubernetes' labels.Selector: requirements that must all hold. Made from the string syntax
 * ({@code a=b,c!=d,e in (x,y),f notin (z),g,!h}) of list and watch requests, from a LabelSelector object (workload
 * selectors, as JSON or model), from a label map (Service and ReplicationController selectors) and from node selector
 * requirements (node affinity). The one label matcher of the apiserver, the controllers and the scheduler.
 */
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

    private static final LabelSelector EVERYTHING = new LabelSelector(List.of(), false);
    private static final LabelSelector NOTHING = new LabelSelector(List.of(), true);
    private final List<Requirement> requirements;
    private final boolean nothing;

    private LabelSelector(List<Requirement> requirements, boolean nothing) {
        this.requirements = requirements;
        this.nothing = nothing;
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    /** Matches no labels at all (labels.Nothing): a nil selector, or one that cannot be built. */
    public static LabelSelector nothing() {
        return NOTHING;
    }

    /** No requirements: matches everything. */
    public boolean isEmpty() {
        return requirements.isEmpty() && !nothing;
    }

    public boolean isNothing() {
        return nothing;
    }

    /** A label map as an equality selector (labels.SelectorFromSet); an empty map matches everything. */
    public static LabelSelector ofMap(Map<String, String> set) {
        if (set == null || set.isEmpty()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        new TreeMap<>(set).forEach((k, v) -> out.add(new Requirement(k, Op.EQUALS, Set.of(v))));
        return new LabelSelector(List.copyOf(out), false);
    }

    /**
     * A metav1.LabelSelector (metav1.LabelSelectorAsSelector): nil matches nothing, empty matches everything, an
     * operator Kubernetes does not know (or values that do not fit it) matches nothing.
     */
    public static LabelSelector of(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        if (selector == null) {
            return NOTHING;
        }
        List<Requirement> out = new ArrayList<>();
        if (selector.getMatchLabels() != null) {
            new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> out.add(new Requirement(k, Op.EQUALS, Set.of(v))));
        }
        if (selector.getMatchExpressions() != null) {
            for (io.fabric8.kubernetes.api.model.LabelSelectorRequirement r : selector.getMatchExpressions()) {
                Requirement req = requirement(r.getKey(), r.getOperator(), r.getValues(), false);
                if (req == null) {
                    return NOTHING;
                }
                out.add(req);
            }
        }
        return new LabelSelector(List.copyOf(out), false);
    }

    /**
     * A controller's selector: as {@link #of(io.fabric8.kubernetes.api.model.LabelSelector)}, except that a nil or
     * empty one selects nothing, as Kubernetes' controllers check before matching ("a deployment with a nil or empty
     * selector should match nothing, not everything").
     */
    public static LabelSelector forController(io.fabric8.kubernetes.api.model.LabelSelector selector) {
        LabelSelector s = of(selector);
        return s.isEmpty() ? NOTHING : s;
    }

    /** The same for a LabelSelector held as JSON (a stored object's {@code spec.selector}). */
    public static LabelSelector of(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return NOTHING;
        }
        List<Requirement> out = new ArrayList<>();
        JsonNode matchLabels = selector.path("matchLabels");
        if (matchLabels.isObject()) {
            Map<String, String> sorted = new TreeMap<>();
            matchLabels.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
            sorted.forEach((k, v) -> out.add(new Requirement(k, Op.EQUALS, Set.of(v))));
        }
        for (JsonNode r : selector.path("matchExpressions")) {
            List<String> values = new ArrayList<>();
            r.path("values").forEach(v -> values.add(v.asText()));
            Requirement req = requirement(r.path("key").asText(""), r.path("operator").asText(""), values, false);
            if (req == null) {
                return NOTHING;
            }
            out.add(req);
        }
        return new LabelSelector(List.copyOf(out), false);
    }

    /**
     * Node selector requirements (NodeSelectorRequirementsAsSelector): none match nothing; Gt and Lt take one
     * integer; anything malformed matches nothing.
     */
    public static LabelSelector ofNodeSelectorRequirements(
            List<io.fabric8.kubernetes.api.model.NodeSelectorRequirement> requirements) {
        if (requirements == null || requirements.isEmpty()) {
            return NOTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (io.fabric8.kubernetes.api.model.NodeSelectorRequirement r : requirements) {
            Requirement req = requirement(r.getKey(), r.getOperator(), r.getValues(), true);
            if (req == null) {
                return NOTHING;
            }
            out.add(req);
        }
        return new LabelSelector(List.copyOf(out), false);
    }

    /** One requirement as labels.NewRequirement accepts it, or null where it would return an error. */
    private static Requirement requirement(String key, String operator, List<String> values, boolean numeric) {
        List<String> vals = values == null ? List.of() : values;
        if (key == null || operator == null) {
            return null;
        }
        Op op = switch (operator) {
            case "In" -> Op.IN;
            case "NotIn" -> Op.NOT_IN;
            case "Exists" -> Op.EXISTS;
            case "DoesNotExist" -> Op.DOES_NOT_EXIST;
            case "Gt" -> numeric ? Op.GT : null;
            case "Lt" -> numeric ? Op.LT : null;
            default -> null;
        };
        if (op == null) {
            return null;
        }
        switch (op) {
            case IN, NOT_IN -> {
                if (vals.isEmpty()) {
                    return null;
                }
            }
            case EXISTS, DOES_NOT_EXIST -> {
                if (!vals.isEmpty()) {
                    return null;
                }
            }
            default -> {
                if (vals.size() != 1 || !isInteger(vals.get(0))) {
                    return null;
                }
            }
        }
        return new Requirement(key, op, Set.copyOf(vals));
    }

    private static boolean isInteger(String s) {
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    /** Whether the labels (null: none) satisfy every requirement. */
    public boolean matches(Map<String, String> labels) {
        if (nothing) {
            return false;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        for (int i = 0; i < requirements.size(); i++) {
            if (!requirements.get(i).matches(l)) {
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
        return new LabelSelector(List.copyOf(out), false);
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
            // as Kubernetes' parser: "()" is the empty value, and so is a missing one before ',' or ')' ("(,b)", "(b,)")
            boolean expectValue = true;
            while (true) {
                lx.skipSpaces();
                if (lx.consume(")")) {
                    if (expectValue) {
                        values.add("");
                    }
                    break;
                }
                String v = lx.identifier();
                checkValue(v);
                values.add(v);
                expectValue = false;
                lx.skipSpaces();
                if (lx.consume(",")) {
                    expectValue = true;
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
