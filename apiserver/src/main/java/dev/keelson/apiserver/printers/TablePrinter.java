package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;

/** The server-side columns of one resource for {@code kubectl get} (a meta.k8s.io/v1 Table). */
public interface TablePrinter {

    /** Column definitions, each {@code {name,type,format,description,priority}}; priority 1 shows only with -o wide. */
    List<ObjectNode> columnDefinitions();

    /** One row's cells (strings and integers) for {@code obj}, with ages measured at {@code now}. */
    List<Object> cells(ObjectNode obj, Instant now);

    /** A printer from its column definitions and the function that makes a row. */
    static TablePrinter of(List<ObjectNode> columns, BiFunction<ObjectNode, Instant, List<Object>> cells) {
        List<ObjectNode> copy = List.copyOf(columns);
        return new TablePrinter() {
            @Override
            public List<ObjectNode> columnDefinitions() {
                return copy;
            }

            @Override
            public List<Object> cells(ObjectNode obj, Instant now) {
                return cells.apply(obj, now);
            }
        };
    }
}
