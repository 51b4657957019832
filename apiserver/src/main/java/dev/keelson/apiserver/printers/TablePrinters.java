package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiFunction;

import static dev.keelson.apiserver.printers.Format.since;

/**
 * Kubernetes' server-side printers (pkg/printers/internalversion) for the kinds we serve, and the assembly of a
 * meta.k8s.io/v1 Table from them. Cells are always generated with the wide columns; kubectl hides priority 1.
 */
public final class TablePrinters {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String NAME_DOC = "Name must be unique within a namespace.";
    private static final String AGE_DOC = "CreationTimestamp is a timestamp representing the server time when this "
            + "object was created.";

    private record Printer(List<ObjectNode> columnDefinitions,
                           BiFunction<ObjectNode, Instant, List<Object>> rows) implements TablePrinter {
        @Override
        public List<Object> cells(ObjectNode obj, Instant now) {
            return rows.apply(obj, now);
        }
    }

    private static final TablePrinter DEFAULT = new Printer(
            List.of(col("Name", "string", "name", 0, NAME_DOC), col("Age", "string", "", 0, AGE_DOC)),
            (o, now) -> List.of(name(o), age(o, now)));

    private static final Map<String, TablePrinter> PRINTERS = Map.ofEntries(
            Map.entry("/pods", new Printer(List.of(
                    nameCol(), col("Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."),
                    col("Status", "string", "", 0, "The aggregate status of the containers in this pod."),
                    col("Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                    ageCol(), col("IP", "string", "", 1, "IP address allocated to the pod. Routable at least within the cluster."),
                    col("Node", "string", "", 1, "NodeName indicates in which node this pod is scheduled."),
                    col("Nominated Node", "string", "", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
                    col("Readiness Gates", "string", "", 1, "If specified, all readiness gates will be evaluated for pod readiness.")),
                    PodCells::cells)),
            Map.entry("apps/deployments", new Printer(List.of(
                    nameCol(), col("Ready", "string", "", 0, "Number of the pod with ready state"),
                    col("Up-to-date", "integer", "", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                    col("Available", "integer", "", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                    ageCol(), containersCol(), imagesCol(), selectorCol()),
                    (o, now) -> List.of(name(o),
                            o.at("/status/readyReplicas").asInt(0) + "/" + o.at("/spec/replicas").asInt(0),
                            o.at("/status/updatedReplicas").asInt(0), o.at("/status/availableReplicas").asInt(0),
                            age(o, now), containerNames(o), images(o), Format.selector(o.at("/spec/selector"))))),
            Map.entry("apps/replicasets", new Printer(List.of(
                    nameCol(), col("Desired", "integer", "", 0, "Replicas is the number of desired replicas."),
                    col("Current", "integer", "", 0, "Replicas is the most recently observed number of replicas."),
                    col("Ready", "integer", "", 0, "The number of ready replicas for this replica set."),
                    ageCol(), containersCol(), imagesCol(), selectorCol()),
                    (o, now) -> List.of(name(o), o.at("/spec/replicas").asInt(0), o.at("/status/replicas").asInt(0),
                            o.at("/status/readyReplicas").asInt(0), age(o, now), containerNames(o), images(o),
                            Format.selector(o.at("/spec/selector"))))),
            Map.entry("/services", new Printer(List.of(
                    nameCol(), col("Type", "string", "", 0, "The type of service."),
                    col("Cluster-IP", "string", "", 0, "The IP address of the service, usually assigned randomly."),
                    col("External-IP", "string", "", 0, "The list of external IP addresses for this service."),
                    col("Port(s)", "string", "", 0, "The list of ports that are exposed by this service."),
                    ageCol(), col("Selector", "string", "", 1, "Route service traffic to pods with label keys and values matching this selector.")),
                    (o, now) -> List.of(name(o), o.at("/spec/type").asText(""), clusterIp(o), externalIp(o),
                            servicePorts(o), age(o, now), Format.labels(o.at("/spec/selector"))))),
            Map.entry("/endpoints", new Printer(List.of(
                    nameCol(), col("Endpoints", "string", "", 0, "Endpoints of the service."), ageCol()),
                    (o, now) -> List.of(name(o), endpoints(o), age(o, now)))),
            Map.entry("/nodes", new Printer(List.of(
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
                            unknown(o.at("/status/nodeInfo/containerRuntimeVersion"))))),
            Map.entry("/namespaces", new Printer(List.of(
                    nameCol(), col("Status", "string", "", 0, "The status of the namespace"), ageCol()),
                    (o, now) -> List.of(name(o), o.at("/status/phase").asText(""), age(o, now)))),
            Map.entry("/configmaps", new Printer(List.of(
                    nameCol(), col("Data", "integer", "", 0, "Data contains the configuration data."), ageCol()),
                    (o, now) -> List.of(name(o), o.path("data").size() + o.path("binaryData").size(), age(o, now)))),
            Map.entry("/secrets", new Printer(List.of(
                    nameCol(), col("Type", "string", "", 0, "Used to facilitate programmatic handling of secret data."),
                    col("Data", "integer", "", 0, "Data contains the secret data."), ageCol()),
                    (o, now) -> List.of(name(o), o.path("type").asText(""),
                            o.path("data").size(), age(o, now)))),
            Map.entry("/serviceaccounts", new Printer(List.of(
                    nameCol(), col("Secrets", "integer", "", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
                    ageCol()),
                    (o, now) -> List.of(name(o), o.path("secrets").size(), age(o, now)))),
            Map.entry("/events", new Printer(EventCells.COLUMNS, EventCells::coreCells)),
            Map.entry("events.k8s.io/events", new Printer(EventCells.COLUMNS, EventCells::eventsV1Cells)),
            Map.entry("discovery.k8s.io/endpointslices", new Printer(List.of(
                    nameCol(), col("AddressType", "string", "", 0, "Type of address carried by this EndpointSlice"),
                    col("Ports", "string", "", 0, "Ports advertised by this EndpointSlice"),
                    col("Endpoints", "string", "", 0, "Endpoints advertised by this EndpointSlice"), ageCol()),
                    (o, now) -> List.of(name(o), o.path("addressType").asText(""), slicePorts(o), sliceEndpoints(o),
                            age(o, now)))),
            Map.entry("coordination.k8s.io/leases", new Printer(List.of(
                    nameCol(), col("Holder", "string", "", 0, "The holder of the lease"), ageCol()),
                    (o, now) -> List.of(name(o), o.at("/spec/holderIdentity").asText(""), age(o, now)))));

    private TablePrinters() {
    }

    /** The printer for a resource ({@code ""} group for core, plural resource name); NAME + AGE when unknown. */
    public static TablePrinter forResource(String group, String resource) {
        return PRINTERS.getOrDefault((group == null ? "" : group) + "/" + resource, DEFAULT);
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

    static ObjectNode col(String name, String type, String format, int priority, String description) {
        ObjectNode c = NODES.objectNode();
        c.put("name", name);
        c.put("type", type);
        c.put("format", format);
        c.put("description", description);
        c.put("priority", priority);
        return c;
    }

    static ObjectNode nameCol() {
        return col("Name", "string", "name", 0, NAME_DOC);
    }

    static ObjectNode ageCol() {
        return col("Age", "string", "", 0, AGE_DOC);
    }

    private static ObjectNode containersCol() {
        return col("Containers", "string", "", 1, "Names of each container in the template.");
    }

    private static ObjectNode imagesCol() {
        return col("Images", "string", "", 1, "Images referenced by each container in the template.");
    }

    private static ObjectNode selectorCol() {
        return col("Selector", "string", "", 1, "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.");
    }

    static String name(JsonNode o) {
        return o.at("/metadata/name").asText("");
    }

    static String age(JsonNode o, Instant now) {
        return since(o.at("/metadata/creationTimestamp"), now);
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

    private static String clusterIp(JsonNode o) {
        JsonNode ips = o.at("/spec/clusterIPs");
        if (ips.isArray() && !ips.isEmpty()) {
            return ips.get(0).asText();
        }
        String ip = o.at("/spec/clusterIP").asText("");
        return ip.isEmpty() ? "<none>" : ip;
    }

    private static String externalIp(JsonNode o) {
        List<String> external = new ArrayList<>();
        o.at("/spec/externalIPs").forEach(ip -> external.add(ip.asText()));
        switch (o.at("/spec/type").asText("")) {
            case "ClusterIP", "NodePort":
                return external.isEmpty() ? "<none>" : String.join(",", external);
            case "LoadBalancer": {
                List<String> all = new ArrayList<>();
                for (JsonNode ingress : o.at("/status/loadBalancer/ingress")) {
                    String ip = ingress.path("ip").asText("");
                    String host = ingress.path("hostname").asText("");
                    if (!ip.isEmpty()) {
                        all.add(ip);
                    } else if (!host.isEmpty()) {
                        all.add(host);
                    }
                }
                all.addAll(external);
                return all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case "ExternalName":
                return o.at("/spec/externalName").asText("");
            default:
                return "<unknown>";
        }
    }

    private static String servicePorts(JsonNode o) {
        List<String> pieces = new ArrayList<>();
        for (JsonNode port : o.at("/spec/ports")) {
            String protocol = port.path("protocol").asText("TCP");
            int nodePort = port.path("nodePort").asInt(0);
            pieces.add(nodePort > 0 ? port.path("port").asInt() + ":" + nodePort + "/" + protocol
                    : port.path("port").asInt() + "/" + protocol);
        }
        return pieces.isEmpty() ? "<none>" : String.join(",", pieces);
    }

    private static String endpoints(JsonNode o) {
        JsonNode subsets = o.path("subsets");
        if (!subsets.isArray() || subsets.isEmpty()) {
            return "<none>";
        }
        List<String> all = new ArrayList<>();
        for (JsonNode subset : subsets) {
            JsonNode ports = subset.path("ports");
            if (!ports.isArray() || ports.isEmpty()) {
                subset.path("addresses").forEach(a -> all.add(a.path("ip").asText()));
                continue;
            }
            for (JsonNode port : ports) {
                for (JsonNode a : subset.path("addresses")) {
                    String ip = a.path("ip").asText();
                    all.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port.path("port").asInt());
                }
            }
        }
        return Format.listWithMore(all, 3, "");
    }

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

    private static String slicePorts(JsonNode o) {
        List<String> all = new ArrayList<>();
        for (JsonNode port : o.path("ports")) {
            if (port.path("port").isNumber()) {
                all.add(String.valueOf(port.path("port").asInt()));
            } else if (port.path("name").isTextual()) {
                all.add(port.path("name").asText());
            } else {
                all.add("*");
            }
        }
        return Format.listWithMore(all, 3, "<unset>");
    }

    private static String sliceEndpoints(JsonNode o) {
        List<String> all = new ArrayList<>();
        for (JsonNode endpoint : o.path("endpoints")) {
            endpoint.path("addresses").forEach(a -> all.add(a.asText()));
        }
        return Format.listWithMore(all, 3, "<unset>");
    }
}
