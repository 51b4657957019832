package dev.keelson.apiserver.printers;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Quantities;
import java.util.ArrayList;
import java.util.List;

/** printHorizontalPodAutoscaler of Kubernetes 1.32's printers.go, over the v2 and the v1 shape. */
public final class AutoscalingPrinters {
    private AutoscalingPrinters() {}

    private static List<ObjectNode> columns() {
        return List.of(nameCol(),
                col("Reference", "string", "", 0, "scaleTargetRef points to the target resource to scale, and is used to "
                        + "the pods for which metrics should be collected, as well as to actually change the replica count."),
                col("Targets", "string", "", 0, "metrics contains the specifications for which to use to calculate the "
                        + "desired replica count (the maximum replica count across all metrics will be used)."),
                col("MinPods", "string", "", 0, "minReplicas is the lower limit for the number of replicas to which the "
                        + "autoscaler can scale down."),
                col("MaxPods", "integer", "", 0, "maxReplicas is the upper limit for the number of replicas to which the "
                        + "autoscaler can scale up. It cannot be less that minReplicas."),
                col("Replicas", "integer", "", 0, "currentReplicas is current number of replicas of pods managed by this "
                        + "autoscaler, as last seen by the autoscaler."),
                ageCol());
    }

    public static final TablePrinter HORIZONTAL_POD_AUTOSCALERS = TablePrinter.of(columns(),
            (o, now) -> row(o, now, targets(o.at("/spec/metrics"), o.at("/status/currentMetrics"))));

    public static final TablePrinter HORIZONTAL_POD_AUTOSCALERS_V1 = TablePrinter.of(columns(), (o, now) -> {
        JsonNode target = o.at("/spec/targetCPUUtilizationPercentage");
        JsonNode current = o.at("/status/currentCPUUtilizationPercentage");
        String targets = target.isIntegralNumber()
                ? "cpu: " + (current.isIntegralNumber() ? current.asInt() + "%" : "<unknown>") + "/" + target.asInt() + "%"
                : "<none>";
        return row(o, now, targets);
    });

    private static List<Object> row(ObjectNode o, java.time.Instant now, String targets) {
        JsonNode ref = o.at("/spec/scaleTargetRef");
        JsonNode min = o.at("/spec/minReplicas");
        return List.of(name(o), ref.path("kind").asText("") + "/" + ref.path("name").asText(""), targets,
                min.isIntegralNumber() ? Integer.toString(min.asInt()) : "<unset>", o.at("/spec/maxReplicas").asInt(0),
                o.at("/status/currentReplicas").asInt(0), age(o, now));
    }

    /** formatHPAMetrics: "cpu: 12%/50%", at most two then "+ N more...", "<none>" without metrics. */
    static String targets(JsonNode specs, JsonNode statuses) {
        if (!specs.isArray() || specs.isEmpty()) {
            return "<none>";
        }
        List<String> list = new ArrayList<>();
        int count = 0;
        boolean more = false;
        for (int i = 0; i < specs.size(); i++) {
            JsonNode spec = specs.get(i);
            JsonNode status = statuses.isArray() && statuses.size() > i ? statuses.get(i) : null;
            String type = spec.path("type").asText();
            String source = switch (type) {
                case "Resource" -> "resource";
                case "ContainerResource" -> "containerResource";
                case "Pods" -> "pods";
                case "Object" -> "object";
                case "External" -> "external";
                default -> null;
            };
            if (source == null) {
                list.add("<unknown type>");
            } else {
                JsonNode s = spec.path(source);
                JsonNode target = s.path("target");
                JsonNode cur = status == null ? null : status.path(source).path("current");
                String prefix = type.equals("Resource") ? s.path("name").asText() + ": "
                        : type.equals("ContainerResource") ? s.path("name").asText() + " on " + s.path("container").asText() + ": "
                        : "";
                if (target.hasNonNull("averageValue") || target.hasNonNull("value")) {
                    String field = target.hasNonNull("averageValue") ? "averageValue" : "value";
                    String current = cur != null && cur.hasNonNull(field) ? canonical(cur.get(field)) : "<unknown>";
                    list.add(prefix + current + "/" + canonical(target.get(field)) + (field.equals("averageValue")
                            && !type.startsWith("Resource") && !type.equals("ContainerResource") ? " (avg)" : ""));
                } else {
                    String current = cur != null && cur.path("averageUtilization").isIntegralNumber()
                            ? cur.path("averageUtilization").asInt() + "%" : "<unknown>";
                    String t = target.path("averageUtilization").isIntegralNumber()
                            ? target.path("averageUtilization").asInt() + "%" : "<auto>";
                    list.add(prefix + current + "/" + t);
                }
            }
            if (list.size() > 2) {
                list = list.subList(0, 2);
                more = true;
                break;
            }
            count++;
        }
        String joined = String.join(", ", list);
        return more ? joined + " + " + (specs.size() - count) + " more..." : joined;
    }

    private static String canonical(JsonNode quantity) {
        String text = quantity.isNumber() ? quantity.asText() : quantity.asText("");
        return Quantities.tryParse(text).map(Quantities.Quantity::canonical).orElse(text);
    }
}
