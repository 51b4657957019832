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

/** The columns of printers.go for workloads (apps/v1 and their core/v1 relatives: ReplicationControllers, PodTemplates). */
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

    /** printReplicationController. */
    public static final TablePrinter REPLICATION_CONTROLLERS = TablePrinter.of(List.of(
            nameCol(), col("Desired", "integer", "", 0, "Replicas is the number of desired replicas. This is a "
                    + "pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
            col("Current", "integer", "", 0, "Replicas is the most recently observed number of replicas. More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
            col("Ready", "integer", "", 0, "The number of ready replicas for this replication controller."),
            ageCol(), containersCol(), imagesCol(),
            col("Selector", "string", "", 1, "Selector is a label query over pods that should match the Replicas "
                    + "count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label "
                    + "keys and values that must match in order to be controlled by this replication controller, if "
                    + "empty defaulted to labels on Pod template. More info: "
                    + "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels#label-selectors")),
            (o, now) -> List.of(name(o), o.at("/spec/replicas").asInt(0), o.at("/status/replicas").asInt(0),
                    o.at("/status/readyReplicas").asInt(0), age(o, now), containerNames(o), images(o),
                    Format.labels(o.at("/spec/selector"))));

    /** printPodTemplate. */
    public static final TablePrinter POD_TEMPLATES = TablePrinter.of(List.of(
            nameCol(), col("Containers", "string", "", 0, "Names of each container in the template."),
            col("Images", "string", "", 0, "Images referenced by each container in the template."),
            col("Pod Labels", "string", "", 0, "The labels for the pod template.")),
            (o, now) -> List.of(name(o), join(o.at("/template/spec/containers"), "name"),
                    join(o.at("/template/spec/containers"), "image"), Format.labels(o.at("/template/metadata/labels"))));

    /** printControllerRevision: the controlling owner as kind.group/name, and the revision number. */
    public static final TablePrinter CONTROLLER_REVISIONS = TablePrinter.of(List.of(
            nameCol(), col("Controller", "string", "", 0, "Controller of the object"),
            col("Revision", "string", "", 0, "Revision indicates the revision of the state represented by Data."),
            ageCol()),
            (o, now) -> List.of(name(o), controller(o), o.path("revision").asLong(0), age(o, now)));

    static ObjectNode containersCol() {
        return col("Containers", "string", "", 1, "Names of each container in the template.");
    }

    static ObjectNode imagesCol() {
        return col("Images", "string", "", 1, "Images referenced by each container in the template.");
    }

    private static ObjectNode selectorCol() {
        return col("Selector", "string", "", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");
    }

    static String containerNames(JsonNode o) {
        return join(o.at("/spec/template/spec/containers"), "name");
    }

    static String images(JsonNode o) {
        return join(o.at("/spec/template/spec/containers"), "image");
    }

    /** layoutContainerCells: one field of every container, comma-separated. */
    private static String join(JsonNode containers, String field) {
        List<String> out = new ArrayList<>();
        containers.forEach(c -> out.add(c.path(field).asText()));
        return String.join(",", out);
    }

    /** formatResourceName of the controller owner reference: {@code daemonset.apps/name}, or {@code <none>}. */
    private static String controller(JsonNode o) {
        for (JsonNode ref : o.at("/metadata/ownerReferences")) {
            if (ref.path("controller").asBoolean(false)) {
                String apiVersion = ref.path("apiVersion").asText("");
                int slash = apiVersion.indexOf('/');
                String group = slash < 0 ? "" : apiVersion.substring(0, slash);
                String kind = ref.path("kind").asText("");
                String groupKind = group.isEmpty() ? kind : kind + "." + group;
                return groupKind.isEmpty() ? ref.path("name").asText("")
                        : groupKind.toLowerCase(java.util.Locale.ROOT) + "/" + ref.path("name").asText("");
            }
        }
        return "<none>";
    }
}
