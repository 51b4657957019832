package dev.keelson.apiserver.patch;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What strategic merge and server-side apply need to know of one JSON object type: how each field merges. Built-in
 * kinds answer from their fabric8 model class and Kubernetes' struct tags ({@link #of(Class)}); custom resources
 * answer from their structural schema ({@code x-kubernetes-list-type}, {@code x-kubernetes-list-map-keys},
 * {@code x-kubernetes-map-type}), as structured-merge-diff reads either. A field this type does not know merges as
 * an untyped value: objects field by field, lists atomically.
 */
public interface MergeType {
    /** A type that knows no fields. */
    MergeType UNKNOWN = name -> null;

    /** How field {@code name} merges, or null when the type does not describe it. */
    Field field(String name);

    /** True when the object is owned and replaced as a whole ({@code +structType=atomic}, map-type atomic). */
    default boolean atomic() {
        return false;
    }

    /** The type of a built-in kind's model class (or {@link #UNKNOWN} for null). */
    static MergeType of(Class<?> model) {
        return model == null ? UNKNOWN : ModelMergeType.of(model);
    }

    /**
     * How one field merges. {@code mergeList} lists merge item by item: by {@code keys} when there are keys (a
     * list-map, or a strategic merge key), as a set of values otherwise. {@code value} is the type of the field's
     * object value, of a list's items or of a map's values.
     */
    record Field(String name, boolean mergeList, List<String> keys, boolean retainKeys, boolean replace,
                 MergeType value) {
        public Field {
            keys = List.copyOf(keys);
            value = value == null ? UNKNOWN : value;
        }

        /** The single strategic merge key, or null (a set, or several list-map keys). */
        String mergeKey() {
            return keys.size() == 1 ? keys.get(0) : null;
        }

        boolean keyed() {
            return mergeList && !keys.isEmpty();
        }
    }

    /** The merge type of a map whose values are all of type {@code valueField}. */
    static MergeType mapOf(Field valueField) {
        return name -> new Field(name, valueField.mergeList(), valueField.keys(), valueField.retainKeys(),
                valueField.replace(), valueField.value());
    }
}

/** A model class and its Kubernetes struct tags, adapted once per class. */
final class ModelMergeType implements MergeType {
    private static final Map<Class<?>, ModelMergeType> TYPES = new ConcurrentHashMap<>();

    private final Class<?> cls;
    private final Map<String, Field> fields = new ConcurrentHashMap<>();

    private ModelMergeType(Class<?> cls) {
        this.cls = cls;
    }

    static ModelMergeType of(Class<?> cls) {
        return TYPES.computeIfAbsent(cls, ModelMergeType::new);
    }

    @Override
    public Field field(String name) {
        Field f = fields.get(name);
        if (f == null) {
            ModelSchema.FieldSchema fs = ModelSchema.field(cls, name);
            if (fs == null) {
                return null;
            }
            f = adapt(fs);
            fields.put(name, f);
        }
        return f;
    }

    @Override
    public boolean atomic() {
        return ModelSchema.isAtomicStruct(cls);
    }

    private static Field adapt(ModelSchema.FieldSchema fs) {
        List<String> keys = fs.mergeKey() == null ? List.of() : List.of(fs.mergeKey());
        MergeType value = fs.valueClass() == null ? UNKNOWN : MergeType.of(fs.valueClass());
        if (fs.shape() == ModelSchema.Shape.MAP) {
            value = MergeType.mapOf(new Field("", false, List.of(), false, false, value));
        }
        return new Field(fs.jsonName(), fs.mergeList(), keys, fs.retainKeys(), fs.replace(), value);
    }
}
