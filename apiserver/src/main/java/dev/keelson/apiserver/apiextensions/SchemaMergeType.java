package dev.keelson.apiserver.apiextensions;

import dev.keelson.apiserver.patch.MergeType;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;

/**
 * A custom resource's merge semantics, read from its structural schema as structured-merge-diff reads a CRD's:
 * {@code x-kubernetes-list-type: map} lists merge by their {@code x-kubernetes-list-map-keys}, {@code set} lists as
 * sets of values, other lists are atomic; {@code x-kubernetes-map-type: atomic} objects are owned whole. The root's
 * {@code metadata} merges as every kind's ObjectMeta does.
 */
final class SchemaMergeType implements MergeType {
    private static final MergeType OBJECT_META = MergeType.of(ObjectMeta.class);

    private final SchemaNode node;

    private SchemaMergeType(SchemaNode node) {
        this.node = node;
    }

    static MergeType root(SchemaNode schema) {
        if (schema == null) {
            return name -> "metadata".equals(name) ? metadata() : null;
        }
        MergeType type = new SchemaMergeType(schema);
        return name -> "metadata".equals(name) ? metadata() : type.field(name);
    }

    private static Field metadata() {
        return new Field("metadata", false, List.of(), false, false, OBJECT_META);
    }

    @Override
    public Field field(String name) {
        SchemaNode child = node.properties.get(name);
        if (child == null) {
            child = node.additionalProperties;
        }
        return child == null ? null : field(name, child);
    }

    @Override
    public boolean atomic() {
        return "atomic".equals(node.mapType);
    }

    private static Field field(String name, SchemaNode child) {
        if ("array".equals(child.type)) {
            MergeType items = child.items == null ? MergeType.UNKNOWN : new SchemaMergeType(child.items);
            return switch (child.listType == null ? "" : child.listType) {
                case "map" -> new Field(name, true, child.listMapKeys, false, false, items);
                case "set" -> new Field(name, true, List.of(), false, false, items);
                default -> new Field(name, false, List.of(), false, false, items);
            };
        }
        return new Field(name, false, List.of(), false, false, new SchemaMergeType(child));
    }
}
