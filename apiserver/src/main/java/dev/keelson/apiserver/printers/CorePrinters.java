package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

/** The columns of printers.go for core/v1 kinds that are neither workloads nor service networking. */
public final class CorePrinters {
    private CorePrinters() {
    }

    /** printPod. */
    public static final TablePrinter PODS = TablePrinter.of(List.of(
            nameCol(), col("Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."),
            col("Status", "string", "", 0, "The aggregate status of the containers in this pod."),
            col("Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
            ageCol(), col("IP", "string", "", 1, "IP address allocated to the pod. Routable at least within the cluster."),
            col("Node", "string", "", 1, "NodeName indicates in which node this pod is scheduled."),
            col("Nominated Node", "string", "", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
            col("Readiness Gates", "string", "", 1, "If specified, all readiness gates will be evaluated for pod readiness.")),
            PodCells::cells);

    /** printNode. */
    public static final TablePrinter NODES = TablePrinter.of(List.of(
            nameCol(), col("Status", "string", "", 0, "The status of the node"),
            col("Roles", "string", "", 0, "The roles of the node"), ageCol(),
            col("Version", "string", "", 0, "Kubelet Version reported by the node."),
            col("Internal-IP", "string", "", 1, "List of addresses reachable to the node."),
            col("External-IP", "string", "", 1, "List of addresses reachable to the node."),
            col("OS-Image", "string", "", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
            col("Kernel-Version", "string", "", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
            col("Container-Runtime", "string", "", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).")),
            (o, now) -> List.of(name(o), nodeStatus(o), nodeRoles(o), age(o, now),
                    o.at("/status/nodeInfo/kubeletVersion").asText(""), nodeAddress(o, "InternalIP"),
                    nodeAddress(o, "ExternalIP"), unknown(o.at("/status/nodeInfo/osImage")),
                    unknown(o.at("/status/nodeInfo/kernelVersion")),
                    unknown(o.at("/status/nodeInfo/containerRuntimeVersion"))));

    /** printNamespace. */
    public static final TablePrinter NAMESPACES = TablePrinter.of(List.of(
            nameCol(), col("Status", "string", "", 0, "The status of the namespace"), ageCol()),
            (o, now) -> List.of(name(o), o.at("/status/phase").asText(""), age(o, now)));

    /** printConfigMap. */
    public static final TablePrinter CONFIG_MAPS = TablePrinter.of(List.of(
            nameCol(), col("Data", "integer", "", 0, "Data contains the configuration data."), ageCol()),
            (o, now) -> List.of(name(o), o.path("data").size() + o.path("binaryData").size(), age(o, now)));

    /** printSecret. */
    public static final TablePrinter SECRETS = TablePrinter.of(List.of(
            nameCol(), col("Type", "string", "", 0, "Used to facilitate programmatic handling of secret data."),
            col("Data", "integer", "", 0, "Data contains the secret data."), ageCol()),
            (o, now) -> List.of(name(o), o.path("type").asText(""),
                    o.path("data").size(), age(o, now)));

    /** printServiceAccount. */
    public static final TablePrinter SERVICE_ACCOUNTS = TablePrinter.of(List.of(
            nameCol(), col("Secrets", "integer", "", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
            ageCol()),
            (o, now) -> List.of(name(o), o.path("secrets").size(), age(o, now)));

    /** printEvent (core/v1). */
    public static final TablePrinter EVENTS = TablePrinter.of(EventCells.COLUMNS, EventCells::coreCells);

    /** printEvent (events.k8s.io/v1, same columns). */
    public static final TablePrinter EVENTS_V1 = TablePrinter.of(EventCells.COLUMNS, EventCells::eventsV1Cells);

    /** printLease. */
    public static final TablePrinter LEASES = TablePrinter.of(List.of(
            nameCol(), col("Holder", "string", "", 0, "The holder of the lease"), ageCol()),
            (o, now) -> List.of(name(o), o.at("/spec/holderIdentity").asText(""), age(o, now)));

    private static String nodeStatus(JsonNode o) {
        List<String> status = new ArrayList<>();
        for (JsonNode c : o.at("/status/conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                status.add(c.path("status").asText().equals("True") ? "Ready" : "NotReady");
            }
        }
        if (status.isEmpty()) {
            status.add("Unknown");
        }
        if (o.at("/spec/unschedulable").asBoolean(false)) {
            status.add("SchedulingDisabled");
        }
        return String.join(",", status);
    }

    private static String nodeRoles(JsonNode o) {
        TreeSet<String> roles = new TreeSet<>();
        o.at("/metadata/labels").fields().forEachRemaining(e -> {
            if (e.getKey().startsWith("node-role.kubernetes.io/")) {
                String role = e.getKey().substring("node-role.kubernetes.io/".length());
                if (!role.isEmpty()) {
                    roles.add(role);
                }
            } else if (e.getKey().equals("kubernetes.io/role") && !e.getValue().asText().isEmpty()) {
                roles.add(e.getValue().asText());
            }
        });
        return roles.isEmpty() ? "<none>" : String.join(",", roles);
    }

    private static String nodeAddress(JsonNode o, String type) {
        for (JsonNode a : o.at("/status/addresses")) {
            if (a.path("type").asText().equals(type)) {
                return a.path("address").asText();
            }
        }
        return "<none>";
    }

    private static String unknown(JsonNode value) {
        String text = value.asText("");
        return text.isEmpty() ? "<unknown>" : text;
    }
}
