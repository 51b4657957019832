package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

/** The columns of printers.go for workloads (apps/v1 and their core/v1 relatives). */
public final class WorkloadPrinters {
    private WorkloadPrinters() {
    }

    /** printDeployment. */
    public static final TablePrinter DEPLOYMENTS = TablePrinter.of(List.of(
            nameCol(), col("Ready", "string", "", 0, "Number of the pod with ready state"),
            col("Up-to-date", "integer", "", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
            col("Available", "integer", "", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
            ageCol(), containersCol(), imagesCol(), selectorCol()),
            (o, now) -> List.of(name(o),
                    o.at("/status/readyReplicas").asInt(0) + "/" + o.at("/spec/replicas").asInt(0),
                    o.at("/status/updatedReplicas").asInt(0), o.at("/status/availableReplicas").asInt(0),
                    age(o, now), containerNames(o), images(o), Format.selector(o.at("/spec/selector"))));

    /** printReplicaSet. */
    public static final TablePrinter REPLICA_SETS = TablePrinter.of(List.of(
            nameCol(), col("Desired", "integer", "", 0, "Replicas is the number of desired replicas."),
            col("Current", "integer", "", 0, "Replicas is the most recently observed number of replicas."),
            col("Ready", "integer", "", 0, "The number of ready replicas for this replica set."),
            ageCol(), containersCol(), imagesCol(), selectorCol()),
            (o, now) -> List.of(name(o), o.at("/spec/replicas").asInt(0), o.at("/status/replicas").asInt(0),
                    o.at("/status/readyReplicas").asInt(0), age(o, now), containerNames(o), images(o),
                    Format.selector(o.at("/spec/selector"))));

    private static ObjectNode containersCol() {
        return col("Containers", "string", "", 1, "Names of each container in the template.");
    }

    private static ObjectNode imagesCol() {
        return col("Images", "string", "", 1, "Images referenced by each container in the template.");
    }

    private static ObjectNode selectorCol() {
        return col("Selector", "string", "", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");
    }

    private static String containerNames(JsonNode o) {
        List<String> names = new ArrayList<>();
        o.at("/spec/template/spec/containers").forEach(c -> names.add(c.path("name").asText()));
        return String.join(",", names);
    }

    private static String images(JsonNode o) {
        List<String> images = new ArrayList<>();
        o.at("/spec/template/spec/containers").forEach(c -> images.add(c.path("image").asText()));
        return String.join(",", images);
    }
}
