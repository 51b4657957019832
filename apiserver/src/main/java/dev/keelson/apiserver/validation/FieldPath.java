package dev.keelson.apiserver.validation;

/** An immutable JSON field path printed the way Kubernetes prints {@code field.Path}: {@code spec.containers[0].image}. */
public final class FieldPath {

    private static final FieldPath ROOT = new FieldPath("");

    private final String text;

    private FieldPath(String text) {
        this.text = text;
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
        return new FieldPath(text.isEmpty() ? name : text + "." + name);
    }

    public FieldPath index(int i) {
        return new FieldPath(text + "[" + i + "]");
    }

    public FieldPath key(String key) {
        return new FieldPath(text + "[" + key + "]");
    }

    @Override
    public String toString() {
        return text;
    }
}
