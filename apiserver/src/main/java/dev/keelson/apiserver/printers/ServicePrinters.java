package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

/** The columns of printers.go for Services, Endpoints and EndpointSlices. */
public final class ServicePrinters {
    private ServicePrinters() {
    }

    /** printService. */
    public static final TablePrinter SERVICES = TablePrinter.of(List.of(
            nameCol(), col("Type", "string", "", 0, "The type of service."),
            col("Cluster-IP", "string", "", 0, "The IP address of the service, usually assigned randomly."),
            col("External-IP", "string", "", 0, "The list of external IP addresses for this service."),
            col("Port(s)", "string", "", 0, "The list of ports that are exposed by this service."),
            ageCol(), col("Selector", "string", "", 1, "Route service traffic to pods with label keys and values matching this selector.")),
            (o, now) -> List.of(name(o), o.at("/spec/type").asText(""), clusterIp(o), externalIp(o),
                    servicePorts(o), age(o, now), Format.labels(o.at("/spec/selector"))));

    /** printEndpoints. */
    public static final TablePrinter ENDPOINTS = TablePrinter.of(List.of(
            nameCol(), col("Endpoints", "string", "", 0, "Endpoints of the service."), ageCol()),
            (o, now) -> List.of(name(o), endpoints(o), age(o, now)));

    /** printEndpointSlice. */
    public static final TablePrinter ENDPOINT_SLICES = TablePrinter.of(List.of(
            nameCol(), col("AddressType", "string", "", 0, "Type of address carried by this EndpointSlice"),
            col("Ports", "string", "", 0, "Ports advertised by this EndpointSlice"),
            col("Endpoints", "string", "", 0, "Endpoints advertised by this EndpointSlice"), ageCol()),
            (o, now) -> List.of(name(o), o.path("addressType").asText(""), slicePorts(o), sliceEndpoints(o),
                    age(o, now)));

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
