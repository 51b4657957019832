package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/** The server-side columns of one resource for {@code kubectl get} (a meta.k8s.io/v1 Table). */
public interface TablePrinter {

    /** Column definitions, each {@code {name,type,format,description,priority}}; priority 1 shows only with -o wide. */
    List<ObjectNode> columnDefinitions();

    /** One row's cells (strings and integers) for {@code obj}, with ages measured at {@code now}. */
    List<Object> cells(ObjectNode obj, Instant now);
}
