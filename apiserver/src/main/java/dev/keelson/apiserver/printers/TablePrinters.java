package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

import static dev.keelson.apiserver.printers.Format.since;

/**
 * The assembly of a meta.k8s.io/v1 Table from a kind's {@link TablePrinter} (its strategy names it), and the column
 * helpers the printers share. Cells are always generated with the wide columns; kubectl hides priority 1.
 */
public final class TablePrinters {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String NAME_DOC = "Name must be unique within a namespace.";
    static final String AGE_DOC = "CreationTimestamp is a timestamp representing the server time when this "
            + "object was created.";

    /** NAME and AGE: the columns of a kind without printers of its own (and of custom resources). */
    public static final TablePrinter DEFAULT = TablePrinter.of(
            List.of(col("Name", "string", "name", 0, NAME_DOC), col("Age", "string", "", 0, AGE_DOC)),
            (o, now) -> List.of(name(o), age(o, now)));

    private TablePrinters() {
    }

    /**
     * A complete meta.k8s.io/v1 Table: every row carries a PartialObjectMetadata (or the full object when
     * {@code includeObject}), and the list's resourceVersion so that {@code kubectl get -w} resumes after it.
     */
    public static ObjectNode toTable(TablePrinter p, List<ObjectNode> objs, String resourceVersion,
                                     boolean includeObject, Instant now) {
        ObjectNode table = NODES.objectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        p.columnDefinitions().forEach(c -> columns.add(c.deepCopy()));
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode obj : objs) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Object cell : p.cells(obj, now)) {
                if (cell instanceof Integer i) {
                    cells.add(i);
                } else if (cell instanceof Number n) {
                    cells.add(n.longValue());
                } else {
                    cells.add(String.valueOf(cell));
                }
            }
            if (includeObject) {
                row.set("object", obj);
            } else {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", obj.path("metadata").isObject() ? obj.get("metadata") : NODES.objectNode());
            }
        }
        return table;
    }

    public static ObjectNode col(String name, String type, String format, int priority, String description) {
        ObjectNode c = NODES.objectNode();
        c.put("name", name);
        c.put("type", type);
        c.put("format", format);
        c.put("description", description);
        c.put("priority", priority);
        return c;
    }

    public static ObjectNode nameCol() {
        return col("Name", "string", "name", 0, NAME_DOC);
    }

    public static ObjectNode ageCol() {
        return col("Age", "string", "", 0, AGE_DOC);
    }




    public static String name(JsonNode o) {
        return o.at("/metadata/name").asText("");
    }

    public static String age(JsonNode o, Instant now) {
        return since(o.at("/metadata/creationTimestamp"), now);
    }












}
