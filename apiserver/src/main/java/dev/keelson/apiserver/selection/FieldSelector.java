package dev.keelson.apiserver.selection;

import dev.keelson.componentbase.api.SelectorException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A parsed field selector: comma-separated {@code field=value}, {@code field==value}, {@code field!=value}. */
public final class FieldSelector {
    public record Term(String field, boolean equals, String value) {}

    private static final FieldSelector EVERYTHING = new FieldSelector(List.of());
    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = terms;
    }

    public static FieldSelector everything() {
        return EVERYTHING;
    }

    public boolean isEmpty() {
        return terms.isEmpty();
    }

    public List<Term> terms() {
        return terms;
    }

    /** The value a term requires with {@code =} for {@code field}, or null. */
    public String requiredValue(String field) {
        for (Term t : terms) {
            if (t.equals && t.field.equals(field)) {
                return t.value;
            }
        }
        return null;
    }

    public static FieldSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Term> out = new ArrayList<>();
        for (String part : splitUnescaped(text, ',')) {
            if (part.isEmpty()) {
                continue;
            }
            int ne = indexUnescaped(part, "!=");
            int eq2 = indexUnescaped(part, "==");
            int eq = indexUnescaped(part, "=");
            if (ne >= 0 && (eq < 0 || ne < eq)) {
                out.add(new Term(unescape(part.substring(0, ne)).trim(), false, unescape(part.substring(ne + 2))));
            } else if (eq2 >= 0 && eq2 == eq) {
                out.add(new Term(unescape(part.substring(0, eq2)).trim(), true, unescape(part.substring(eq2 + 2))));
            } else if (eq >= 0) {
                out.add(new Term(unescape(part.substring(0, eq)).trim(), true, unescape(part.substring(eq + 1))));
            } else {
                throw new SelectorException("invalid selector: '" + text + "'; can't understand '" + part + "'");
            }
        }
        return new FieldSelector(List.copyOf(out));
    }

    /** Rejects fields the resource does not index, with Kubernetes' message. */
    public void check(Set<String> supported) {
        for (Term t : terms) {
            if (!supported.contains(t.field)) {
                throw new SelectorException("field label not supported: " + t.field);
            }
        }
    }

    public boolean matches(Map<String, String> fields) {
        for (Term t : terms) {
            String have = fields.getOrDefault(t.field, "");
            if (t.equals != have.equals(t.value)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> splitUnescaped(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                cur.append(c).append(s.charAt(++i));
            } else if (c == sep) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private static int indexUnescaped(String s, String token) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
                continue;
            }
            if (s.startsWith(token, i)) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                out.append(s.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
