package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;

import dev.keelson.componentbase.api.Quantities;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static dev.keelson.apiserver.printers.TablePrinters.age;
import static dev.keelson.apiserver.printers.TablePrinters.ageCol;
import static dev.keelson.apiserver.printers.TablePrinters.col;
import static dev.keelson.apiserver.printers.TablePrinters.name;
import static dev.keelson.apiserver.printers.TablePrinters.nameCol;

/** The columns of printers.go for LimitRanges and ResourceQuotas. */
public final class PolicyPrinters {
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private PolicyPrinters() {
    }

    /** printLimitRange: the creation time itself (RFC 3339, UTC), not an age. */
    public static final TablePrinter LIMIT_RANGES = TablePrinter.of(List.of(
            nameCol(), col("Created At", "date", "", 0, "CreationTimestamp is a timestamp representing the server "
                    + "time when this object was created.")),
            (o, now) -> List.of(name(o), createdAt(o)));

    /** printResourceQuota: used/hard of each resource, limits.* in the Limit column, the rest in Request. */
    public static final TablePrinter RESOURCE_QUOTAS = TablePrinter.of(List.of(
            nameCol(), ageCol(),
            col("Request", "string", "", 0, "Request represents a minimum amount of cpu/memory that a container "
                    + "may consume."),
            col("Limit", "string", "", 0, "Limits control the maximum amount of cpu/memory that a container may use "
                    + "independent of contention on the node.")),
            (o, now) -> {
                List<String> requests = new ArrayList<>();
                List<String> limits = new ArrayList<>();
                JsonNode hard = o.at("/status/hard");
                JsonNode used = o.at("/status/used");
                TreeSet<String> names = new TreeSet<>();
                hard.fieldNames().forEachRemaining(names::add);
                for (String r : names) {
                    String cell = r + ": " + quantity(used.get(r)) + "/" + quantity(hard.get(r));
                    (r.startsWith("limits.") ? limits : requests).add(cell);
                }
                return List.of(name(o), age(o, now), String.join(", ", requests), String.join(", ", limits));
            });

    private static String createdAt(JsonNode o) {
        Instant created = Format.parseTime(o.at("/metadata/creationTimestamp"));
        return created == null ? "0001-01-01T00:00:00Z" : RFC3339.format(created);
    }

    /** A quantity as Quantity.String() prints it; an absent one is 0. */
    private static String quantity(JsonNode q) {
        if (q == null || q.isNull()) {
            return "0";
        }
        String text = q.asText();
        return Quantities.tryParse(text).map(Quantities.Quantity::canonical).orElse(text);
    }
}
