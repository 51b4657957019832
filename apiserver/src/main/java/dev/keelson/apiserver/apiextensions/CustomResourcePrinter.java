package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.Format;
import dev.keelson.apiserver.printers.TablePrinter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Table columns of a custom resource version, as kube-apiserver's CRD table convertor makes them: Name, then the
 * version's {@code additionalPrinterColumns} (or a single Age column when it has none), each cell the first value the
 * column's JSONPath finds, typed by the column's type ({@code date} shown as an age).
 */
public final class CustomResourcePrinter implements TablePrinter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String NAME_DOC = "Name must be unique within a namespace. Is required when creating "
            + "resources, although some resources may allow a client to request the generation of an appropriate "
            + "name automatically. Name is primarily intended for creation idempotence and configuration definition. "
            + "Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    private static final String AGE_DOC = "CreationTimestamp is a timestamp representing the server time when this "
            + "object was created. It is not guaranteed to be set in happens-before order across separate operations. "
            + "Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
            + "system. Read-only. Null for lists. More info: "
            + "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    private record Column(String type, JsonPath path) {}

    private final List<ObjectNode> definitions = new ArrayList<>();
    private final List<Column> columns = new ArrayList<>();

    /** A printer for the {@code additionalPrinterColumns} of one version (an array node, possibly missing). */
    public CustomResourcePrinter(JsonNode printerColumns) {
        definitions.add(def("Name", "string", "name", 0, NAME_DOC));
        if (printerColumns == null || !printerColumns.isArray() || printerColumns.isEmpty()) {
            definitions.add(def("Age", "date", "", 0, AGE_DOC));
            columns.add(new Column("date", JsonPath.parse(".metadata.creationTimestamp")));
            return;
        }
        for (JsonNode c : printerColumns) {
            definitions.add(def(c.path("name").asText(), c.path("type").asText(), c.path("format").asText(""),
                    c.path("priority").asInt(0), c.path("description").asText("")));
            columns.add(new Column(c.path("type").asText(), JsonPath.parse(c.path("jsonPath").asText())));
        }
    }

    private static ObjectNode def(String name, String type, String format, int priority, String description) {
        ObjectNode c = NODES.objectNode();
        c.put("name", name);
        c.put("type", type);
        c.put("format", format);
        c.put("description", description);
        c.put("priority", priority);
        return c;
    }

    @Override
    public List<ObjectNode> columnDefinitions() {
        return definitions;
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        List<Object> cells = new ArrayList<>();
        cells.add(obj.path("metadata").path("name").asText(""));
        for (Column c : columns) {
            List<JsonNode> found = c.path().find(obj);
            cells.add(found.isEmpty() ? null : cell(c.type(), found.get(0), now));
        }
        return cells;
    }

    private static Object cell(String type, JsonNode v, Instant now) {
        switch (type) {
            case "integer":
                return v.isNumber() ? (Object) v.asLong() : null;
            case "number":
                return v.isIntegralNumber() ? (Object) v.asLong() : v.isNumber() ? (Object) v.asDouble() : null;
            case "boolean":
                return v.isBoolean() ? v.booleanValue() : null;
            case "date":
                if (!v.isTextual()) {
                    return null;
                }
                return Format.parseTime(v) == null ? "<invalid>" : Format.since(v, now);
            default:
                return v.isTextual() ? v.textValue() : v.isValueNode() ? v.asText() : v.toString();
        }
    }
}
