package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** ObjectMeta, labels, annotations, owner references, finalizers and label selectors, as apimachinery validates them. */
public final class MetaValidation {

    /** Validates a name (or, with {@code prefix}, a generateName) for one kind. */
    @FunctionalInterface
    interface NameRule {
        List<String> check(String name, boolean prefix);
    }

    static final NameRule DNS_SUBDOMAIN = Formats::nameIsDnsSubdomain;
    static final NameRule DNS_LABEL = Formats::nameIsDnsLabel;
    static final NameRule DNS1035_LABEL = Formats::nameIsDns1035Label;

    static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
    private static final Set<String> STANDARD_FINALIZERS = Set.of("kubernetes", "orphan", "foregroundDeletion");

    private MetaValidation() {
    }

    /** The object metadata of a kind whose names are DNS subdomains (most kinds). */
    public static void objectMeta(Errs e, ObjectNode obj, boolean namespaced) {
        objectMeta(e, obj, namespaced, DNS_SUBDOMAIN);
    }

    static void objectMeta(Errs e, ObjectNode obj, boolean namespaced, NameRule nameRule) {
        FieldPath p = FieldPath.of("metadata");
        ObjectNode meta = e.object(obj, "metadata", p);
        String generateName = e.text(meta, "generateName", p.child("generateName"));
        if (!generateName.isEmpty()) {
            e.invalidEach(p.child("generateName"), generateName, nameRule.check(generateName, true));
        }
        String name = e.text(meta, "name", p.child("name"));
        if (name.isEmpty()) {
            e.required(p.child("name"), "name or generateName is required");
        } else {
            e.invalidEach(p.child("name"), name, nameRule.check(name, false));
        }
        String namespace = e.text(meta, "namespace", p.child("namespace"));
        if (namespaced) {
            if (namespace.isEmpty()) {
                e.required(p.child("namespace"), "");
            } else {
                e.invalidEach(p.child("namespace"), namespace, Formats.nameIsDnsLabel(namespace, false));
            }
        } else if (!namespace.isEmpty()) {
            e.forbidden(p.child("namespace"), "not allowed on this type");
        }
        e.nonNegative(e.integer(meta, "generation", p.child("generation")), p.child("generation"));
        common(e, meta, p);
    }

    public static void objectMetaUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        FieldPath p = FieldPath.of("metadata");
        ObjectNode meta = e.object(newObj, "metadata", p);
        ObjectNode old = ObjectNodes.child(oldObj, "metadata");
        if (old != null && ObjectNodes.has(old, "deletionTimestamp")) {
            Set<String> extra = new java.util.TreeSet<>(e.strings(meta, "finalizers", p.child("finalizers")));
            extra.removeAll(ObjectNodes.has(old, "finalizers") ? stringsOf(old.get("finalizers")) : List.of());
            if (!extra.isEmpty()) {
                e.forbidden(p.child("finalizers"), "no new finalizers can be added if the object is being deleted, found new "
                        + "finalizers " + GoValues.stringSlice(new ArrayList<>(extra)));
            }
        }
        Long generation = e.integer(meta, "generation", p.child("generation"));
        Long oldGeneration = old == null || !old.has("generation") ? null : old.get("generation").asLong();
        if (generation != null && oldGeneration != null && generation < oldGeneration) {
            e.invalid(p.child("generation"), generation, "must not be decremented");
        }
        for (String f : List.of("name", "namespace", "uid")) {
            String now = e.text(meta, f, p.child(f));
            if (!now.equals(ObjectNodes.text(old, f))) {
                e.invalid(p.child(f), now, "field is immutable");
            }
        }
        for (String f : List.of("creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")) {
            JsonNode now = meta == null ? null : meta.get(f);
            JsonNode before = old == null ? null : old.get(f);
            if (!sameValue(now, before)) {
                e.invalid(p.child(f), now, "field is immutable");
            }
        }
        common(e, meta, p);
    }

    private static void common(Errs e, ObjectNode meta, FieldPath p) {
        labels(e, e.stringMap(meta, "labels", p.child("labels")), p.child("labels"));
        annotations(e, e.stringMap(meta, "annotations", p.child("annotations")), p.child("annotations"));
        ownerReferences(e, meta, p.child("ownerReferences"));
        finalizers(e, e.strings(meta, "finalizers", p.child("finalizers")), p.child("finalizers"));
    }

    /** Kubernetes' {@code ValidateLabels}: keys are qualified names, values label values. */
    static void labels(Errs e, Map<String, String> labels, FieldPath p) {
        if (labels == null) {
            return;
        }
        labels.forEach((k, v) -> {
            labelName(e, k, p);
            e.invalidEach(p, v, Formats.labelValue(v));
        });
    }

    static void labelName(Errs e, String key, FieldPath p) {
        e.invalidEach(p, key, Formats.qualifiedName(key));
    }

    static void annotations(Errs e, Map<String, String> annotations, FieldPath p) {
        if (annotations == null) {
            return;
        }
        long total = 0;
        for (Map.Entry<String, String> a : annotations.entrySet()) {
            e.invalidEach(p, a.getKey(), Formats.qualifiedName(a.getKey().toLowerCase(java.util.Locale.ROOT)));
            total += Formats.bytes(a.getKey()) + Formats.bytes(a.getValue());
        }
        if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
            e.add(FieldError.tooLong(p, TOTAL_ANNOTATION_SIZE_LIMIT));
        }
    }

    private static void ownerReferences(Errs e, ObjectNode meta, FieldPath p) {
        String firstController = "";
        List<ObjectNode> refs = e.objects(meta, "ownerReferences", p);
        for (ObjectNode ref : refs) {
            String apiVersion = e.text(ref, "apiVersion", p.child("apiVersion"));
            String kind = e.text(ref, "kind", p.child("kind"));
            String name = e.text(ref, "name", p.child("name"));
            String uid = e.text(ref, "uid", p.child("uid"));
            String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
            if (version.isEmpty()) {
                e.invalid(p.child("apiVersion"), apiVersion, "version must not be empty");
            }
            if (kind.isEmpty()) {
                e.invalid(p.child("kind"), kind, "must not be empty");
            }
            if (name.isEmpty()) {
                e.invalid(p.child("name"), name, "must not be empty");
            }
            if (uid.isEmpty()) {
                e.invalid(p.child("uid"), uid, "must not be empty");
            }
            if (apiVersion.equals("v1") && kind.equals("Event")) {
                e.invalid(p, new GoValues.Literal(ref.toString()), "/v1, Kind=Event is disallowed from being an owner");
            }
            if (Boolean.TRUE.equals(e.bool(ref, "controller", p.child("controller")))) {
                String current = kind + "/" + name;
                if (!firstController.isEmpty()) {
                    e.invalid(p, meta.get("ownerReferences"), "Only one reference can have Controller set to true. Found \"true\" "
                            + "in references for " + firstController + " and " + current);
                } else {
                    firstController = current;
                }
            }
        }
    }

    private static void finalizers(Errs e, List<String> finalizers, FieldPath p) {
        for (String f : finalizers) {
            e.invalidEach(p, f, Formats.qualifiedName(f));
        }
        if (finalizers.contains("orphan") && finalizers.contains("foregroundDeletion")) {
            e.invalid(p, finalizers, "finalizer orphan and foregroundDeletion cannot be both set");
        }
        for (int i = 0; i < finalizers.size(); i++) {
            String f = finalizers.get(i);
            if (!f.contains("/") && !STANDARD_FINALIZERS.contains(f)) {
                e.invalid(p.index(i), f, "name is neither a standard finalizer name nor is it fully qualified");
            }
        }
    }

    /** metav1 {@code ValidateLabelSelector}; returns false when the selector could not be turned into a selector. */
    static boolean labelSelector(Errs e, ObjectNode selector, FieldPath p) {
        if (selector == null) {
            return true;
        }
        int before = e.size();
        List<ObjectNode> exprs = e.objects(selector, "matchExpressions", p.child("matchExpressions"));
        for (int i = 0; i < exprs.size(); i++) {
            selectorRequirement(e, exprs.get(i), p.child("matchExpressions").index(i), false, true);
        }
        labels(e, e.stringMap(selector, "matchLabels", p.child("matchLabels")), p.child("matchLabels"));
        return e.size() == before;
    }

    /**
     * One requirement of a label or node selector: its operator with the values that operator needs, its key, and
     * (when {@code checkValues}) each value as a label value. Node selectors also have {@code Gt} and {@code Lt}.
     */
    static void selectorRequirement(Errs e, ObjectNode r, FieldPath p, boolean nodeOperators, boolean checkValues) {
        String op = e.text(r, "operator", p.child("operator"));
        List<String> values = e.strings(r, "values", p.child("values"));
        switch (op) {
            case "In", "NotIn" -> {
                if (values.isEmpty()) {
                    e.required(p.child("values"), "must be specified when `operator` is 'In' or 'NotIn'");
                }
            }
            case "Exists", "DoesNotExist" -> {
                if (!values.isEmpty()) {
                    e.forbidden(p.child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                }
            }
            case "Gt", "Lt" -> {
                if (!nodeOperators) {
                    e.invalid(p.child("operator"), op, "not a valid selector operator");
                } else if (values.size() != 1) {
                    e.required(p.child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'");
                }
            }
            default -> e.invalid(p.child("operator"), op, "not a valid selector operator");
        }
        labelName(e, e.text(r, "key", p.child("key")), p.child("key"));
        for (int j = 0; checkValues && j < values.size(); j++) {
            e.invalidEach(p.child("values").index(j), values.get(j), Formats.labelValue(values.get(j)));
        }
    }

    /** Whether a metav1.LabelSelector matches the labels (nil selector matches nothing, empty matches everything). */
    static boolean selectorMatches(ObjectNode selector, Map<String, String> labels) {
        return LabelSelector.of((JsonNode) selector).matches(labels);
    }

    static boolean selectorEmpty(ObjectNode selector) {
        return selector == null || sizeOf(selector.get("matchLabels")) + sizeOf(selector.get("matchExpressions")) == 0;
    }

    /** A metav1.LabelSelector as Go's {@code %#v} prints it in "field is immutable" messages. */
    static GoValues.Literal goSelector(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return new GoValues.Literal("null");
        }
        JsonNode ml = selector.get("matchLabels");
        String labels = ml != null && ml.isObject() && ml.size() > 0
                ? GoValues.stringMap(toMap(ml)) : "map[string]string(nil)";
        JsonNode me = selector.get("matchExpressions");
        String exprs;
        if (me != null && me.isArray() && me.size() > 0) {
            List<String> parts = new ArrayList<>();
            for (JsonNode r : me) {
                List<String> values = stringsOf(r.get("values"));
                parts.add("v1.LabelSelectorRequirement{Key:" + GoValues.quote(ObjectNodes.text(r, "key")) + ", Operator:"
                        + GoValues.quote(ObjectNodes.text(r, "operator")) + ", Values:"
                        + (values.isEmpty() ? "[]string(nil)" : GoValues.stringSlice(values)) + "}");
            }
            exprs = parts.stream().collect(Collectors.joining(", ", "[]v1.LabelSelectorRequirement{", "}"));
        } else {
            exprs = "[]v1.LabelSelectorRequirement(nil)";
        }
        return new GoValues.Literal("v1.LabelSelector{MatchLabels:" + labels + ", MatchExpressions:" + exprs + "}");
    }

    static Map<String, String> toMap(JsonNode node) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        if (node != null && node.isObject()) {
            node.fields().forEachRemaining(en -> m.put(en.getKey(), en.getValue().asText()));
        }
        return m;
    }

    static List<String> stringsOf(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** Value equality for JSON, treating absent and null alike and numbers by value. */
    static boolean sameValue(JsonNode a, JsonNode b) {
        boolean aNull = a == null || a.isNull() || a.isMissingNode();
        boolean bNull = b == null || b.isNull() || b.isMissingNode();
        if (aNull || bNull) {
            return aNull == bNull;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static int sizeOf(JsonNode n) {
        return n == null || n.isNull() ? 0 : n.size();
    }
}
