package dev.keelson.apiserver.validation;

/**
 * An immutable JSON field path printed the way Kubernetes prints {@code field.Path}: {@code spec.containers[0].image}.
 * Validation makes a path for every field it visits but prints only the few that are wrong, so the text is built
 * on first use, not on every step.
 */
public final class FieldPath {

    private static final FieldPath ROOT = new FieldPath(null, "", false);

    private final FieldPath parent;
    private final String segment;
    private final boolean bracket;
    private String text;

    private FieldPath(FieldPath parent, String segment, boolean bracket) {
        this.parent = parent;
        this.segment = segment;
        this.bracket = bracket;
        if (parent == null) {
            this.text = segment;
        }
    }

    public static FieldPath root() {
        return ROOT;
    }

    public static FieldPath of(String... names) {
        FieldPath p = ROOT;
        for (String n : names) {
            p = p.child(n);
        }
        return p;
    }

    public FieldPath child(String name) {
        return new FieldPath(this, name, false);
    }

    public FieldPath index(int i) {
        return new FieldPath(this, Integer.toString(i), true);
    }

    public FieldPath key(String key) {
        return new FieldPath(this, key, true);
    }

    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            String p = parent.toString();
            if (bracket) {
                t = p + "[" + segment + "]";
            } else {
                t = p.isEmpty() ? segment : p + "." + segment;
            }
            text = t;
        }
        return t;
    }
}
