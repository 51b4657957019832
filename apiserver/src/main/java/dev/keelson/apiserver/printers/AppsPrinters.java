package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

/** The columns of printers.go for DaemonSets, StatefulSets and PodDisruptionBudgets. */
public final class AppsPrinters {
    private AppsPrinters() {
    }

    /** printDaemonSet: the status counts, the template's node selector; wide adds containers, images, selector. */
    public static final TablePrinter DAEMON_SETS = TablePrinter.of(List.of(
            nameCol(),
            col("Desired", "integer", "", 0, "The total number of nodes that should be running the daemon pod "
                    + "(including nodes correctly running the daemon pod). More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
            col("Current", "integer", "", 0, "The number of nodes that are running at least 1 daemon pod and are "
                    + "supposed to run the daemon pod. More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"),
            col("Ready", "integer", "", 0, "numberReady is the number of nodes that should be running the daemon pod "
                    + "and have one or more of the daemon pod running with a Ready Condition."),
            col("Up-to-date", "integer", "", 0, "The total number of nodes that are running updated daemon pod"),
            col("Available", "integer", "", 0, "The number of nodes that should be running the daemon pod and have "
                    + "one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
            col("Node Selector", "string", "", 0, "NodeSelector is a selector which must be true for the pod to fit "
                    + "on a node. Selector which must match a node's labels for the pod to be scheduled on that node. "
                    + "More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
            ageCol(), WorkloadPrinters.containersCol(), WorkloadPrinters.imagesCol(),
            col("Selector", "string", "", 1, "A label query over pods that are managed by the daemon set. Must match "
                    + "in order to be controlled. It must match the pod template's labels. More info: "
                    + "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors")),
            (o, now) -> List.of(name(o), o.at("/status/desiredNumberScheduled").asInt(0),
                    o.at("/status/currentNumberScheduled").asInt(0), o.at("/status/numberReady").asInt(0),
                    o.at("/status/updatedNumberScheduled").asInt(0), o.at("/status/numberAvailable").asInt(0),
                    Format.labels(o.at("/spec/template/spec/nodeSelector")), age(o, now),
                    WorkloadPrinters.containerNames(o), WorkloadPrinters.images(o), selector(o)));

    /** printStatefulSet: READY as ready/desired; wide adds containers and images. */
    public static final TablePrinter STATEFUL_SETS = TablePrinter.of(List.of(
            nameCol(), col("Ready", "string", "", 0, "Number of the pod with ready state"), ageCol(),
            WorkloadPrinters.containersCol(), WorkloadPrinters.imagesCol()),
            (o, now) -> List.of(name(o), o.at("/status/readyReplicas").asInt(0) + "/" + o.at("/spec/replicas").asInt(0),
                    age(o, now), WorkloadPrinters.containerNames(o), WorkloadPrinters.images(o)));

    /** printPodDisruptionBudget: the budget as written (N/A for the unset one) and the disruptions allowed now. */
    public static final TablePrinter POD_DISRUPTION_BUDGETS = TablePrinter.of(List.of(
            nameCol(), col("Min Available", "string", "", 0, "The minimum number of pods that must be available."),
            col("Max Unavailable", "string", "", 0, "The maximum number of pods that may be unavailable."),
            col("Allowed Disruptions", "integer", "", 0, "Calculated number of pods that may be disrupted at this time."),
            ageCol()),
            (o, now) -> List.of(name(o), intOrString(o.at("/spec/minAvailable")),
                    intOrString(o.at("/spec/maxUnavailable")), o.at("/status/disruptionsAllowed").asInt(0),
                    age(o, now)));

    /** metav1.FormatLabelSelector: "&lt;none&gt;" for an empty selector. */
    private static String selector(JsonNode o) {
        String s = Format.selector(o.at("/spec/selector"));
        return s.isEmpty() ? "<none>" : s;
    }

    private static String intOrString(JsonNode v) {
        return v == null || v.isMissingNode() || v.isNull() ? "N/A" : v.asText();
    }
}
