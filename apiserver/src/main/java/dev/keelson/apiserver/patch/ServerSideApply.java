package dev.keelson.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Server-side apply ({@code application/apply-patch+yaml}) and the bookkeeping of {@code metadata.managedFields}:
 * which manager owns which fields, conflicts between managers, and removal of fields a manager stops applying.
 */
public final class ServerSideApply {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static Clock clock = Clock.systemUTC();

    private ServerSideApply() {
    }

    /** One entry of managedFields in working form. */
    private static final class Entry {
        final String manager;
        final String operation;
        String apiVersion;
        String time;
        final String subresource;
        FieldSet fields;

        Entry(String manager, String operation, String apiVersion, String time, String subresource, FieldSet fields) {
            this.manager = manager;
            this.operation = operation;
            this.apiVersion = apiVersion;
            this.time = time;
            this.subresource = subresource;
            this.fields = fields;
        }

        boolean is(String otherManager, String otherOperation) {
            return manager.equals(otherManager) && operation.equals(otherOperation) && subresource == null;
        }
    }

    /**
     * Applies {@code applied} as {@code manager}: creates the object when {@code live} is null, otherwise merges by
     * merge keys, takes ownership of the applied fields and removes fields this manager applied before but no longer
     * does (unless another manager owns them). Throws {@link ApplyConflictException} when another manager owns an
     * applied field with a different value and {@code force} is false.
     */
    public static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, boolean force,
                                   String apiVersion, Class<?> cls) {
        return apply(live, applied, manager, force, apiVersion, MergeType.of(cls));
    }

    /** As {@link #apply(ObjectNode, ObjectNode, String, boolean, String, Class)} for merge type {@code cls}. */
    public static ObjectNode apply(ObjectNode live, ObjectNode applied, String manager, boolean force,
                                   String apiVersion, MergeType cls) {
        Objects.requireNonNull(manager, "fieldManager is required for apply");
        ObjectNode config = applied.deepCopy();
        if (config.get("metadata") instanceof ObjectNode meta) {
            meta.remove("managedFields");
        }
        FieldSet appliedSet = FieldSet.of(config, cls, true);
        if (live == null) {
            ObjectNode created = (ObjectNode) StrategicMergePatch.apply(null, config, cls);
            List<Entry> entries = new ArrayList<>();
            entries.add(new Entry(manager, "Apply", apiVersion, now(), null, appliedSet));
            write(created, entries);
            return created;
        }
        List<Entry> entries = read(live);
        Entry mine = entries.stream().filter(e -> e.is(manager, "Apply")).findFirst().orElse(null);
        List<ApplyConflictException.Conflict> conflicts = new ArrayList<>();
        Set<List<String>> containers = appliedSet.containers();
        for (Entry other : entries) {
            if (other.manager.equals(manager)) {
                continue;
            }
            List<List<String>> lost = new ArrayList<>();
            for (List<String> path : appliedSet.paths) {
                if (!other.fields.paths.contains(path) || !path.get(path.size() - 1).startsWith("f:")
                        || containers.contains(path)) {
                    continue;
                }
                if (!StrategicMergePatch.sameValue(FieldSet.valueAt(live, path), FieldSet.valueAt(config, path))) {
                    conflicts.add(new ApplyConflictException.Conflict(FieldSet.format(path), other.manager));
                    lost.add(path);
                }
            }
            if (force) {
                other.fields.paths.removeAll(lost);
            }
        }
        if (!conflicts.isEmpty() && !force) {
            throw new ApplyConflictException(conflicts);
        }
        ObjectNode base = live.deepCopy();
        ((ObjectNode) base.path("metadata")).remove("managedFields");
        ObjectNode merged = (ObjectNode) StrategicMergePatch.apply(base, config, cls);
        if (mine != null) {
            List<List<String>> dropped = new ArrayList<>(mine.fields.paths);
            dropped.removeAll(appliedSet.paths);
            dropped.sort(Comparator.comparingInt(List::size));
            for (List<String> path : dropped) {
                boolean ownedElsewhere = entries.stream().anyMatch(e -> e != mine && e.fields.ownsWithin(path));
                if (!ownedElsewhere && !appliedSet.ownsWithin(path)) {
                    FieldSet.remove(merged, path);
                }
            }
            mine.fields = appliedSet;
            mine.apiVersion = apiVersion;
            mine.time = now();
        } else {
            entries.add(new Entry(manager, "Apply", apiVersion, now(), null, appliedSet));
        }
        entries.removeIf(e -> e.fields.paths.isEmpty());
        write(merged, entries);
        return merged;
    }

    /**
     * Records a non-apply write (create, update, patch) by {@code manager}: it takes ownership of every field whose
     * value it changed, other managers lose those fields, and fields gone from the object are owned by no one.
     * Writes the result into {@code newObj.metadata.managedFields} and returns {@code newObj}.
     */
    public static ObjectNode recordUpdate(ObjectNode oldObj, ObjectNode newObj, String manager, String operation,
                                          Class<?> cls) {
        return recordUpdate(oldObj, newObj, manager, operation, MergeType.of(cls));
    }

    /** As {@link #recordUpdate(ObjectNode, ObjectNode, String, String, Class)} for merge type {@code cls}. */
    public static ObjectNode recordUpdate(ObjectNode oldObj, ObjectNode newObj, String manager, String operation,
                                          MergeType cls) {
        String apiVersion = newObj.path("apiVersion").asText(oldObj == null ? "" : oldObj.path("apiVersion").asText());
        List<Entry> entries = oldObj == null ? new ArrayList<>() : read(oldObj);
        FieldSet now = FieldSet.of(newObj, cls, false);
        List<List<String>> changed = new ArrayList<>();
        for (List<String> path : now.paths) {
            JsonNode before = oldObj == null ? null : FieldSet.valueAt(oldObj, path);
            JsonNode after = FieldSet.valueAt(newObj, path);
            boolean leaf = path.get(path.size() - 1).startsWith("f:");
            if (before == null || leaf && !StrategicMergePatch.sameValue(before, after)) {
                changed.add(path);
            }
        }
        for (Entry e : entries) {
            e.fields.paths.retainAll(now.paths);
            if (!e.manager.equals(manager) || !e.operation.equals(operation)) {
                changed.forEach(e.fields.paths::remove);
            }
        }
        if (manager != null && !changed.isEmpty()) {
            Entry mine = entries.stream().filter(e -> e.is(manager, operation)).findFirst().orElse(null);
            if (mine == null) {
                mine = new Entry(manager, operation, apiVersion, now(), null, new FieldSet());
                entries.add(mine);
            }
            mine.fields.paths.addAll(changed);
            mine.apiVersion = apiVersion;
            mine.time = now();
        }
        entries.removeIf(e -> e.fields.paths.isEmpty());
        write(newObj, entries);
        return newObj;
    }

    private static String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static List<Entry> read(JsonNode obj) {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode e : obj.path("metadata").path("managedFields")) {
            if (!e.path("manager").isTextual()) {
                continue;
            }
            entries.add(new Entry(e.path("manager").asText(), e.path("operation").asText("Update"),
                    e.path("apiVersion").asText(null), e.path("time").asText(null),
                    e.path("subresource").asText(null), FieldSet.fromFieldsV1(e.get("fieldsV1"))));
        }
        return entries;
    }

    private static void write(ObjectNode obj, List<Entry> entries) {
        ObjectNode meta = obj.get("metadata") instanceof ObjectNode m ? m : obj.putObject("metadata");
        if (entries.isEmpty()) {
            meta.remove("managedFields");
            return;
        }
        ArrayNode out = NODES.arrayNode();
        for (Entry e : entries) {
            ObjectNode n = out.addObject();
            n.put("manager", e.manager);
            n.put("operation", e.operation);
            if (e.apiVersion != null) {
                n.put("apiVersion", e.apiVersion);
            }
            if (e.time != null) {
                n.put("time", e.time);
            }
            n.put("fieldsType", "FieldsV1");
            n.set("fieldsV1", e.fields.toFieldsV1());
            if (e.subresource != null) {
                n.put("subresource", e.subresource);
            }
        }
        meta.set("managedFields", out);
    }
}
