package dev.keelson.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.keelson.apiserver.printers.TablePrinters.col;

/** The event rows of printers.go printEvent, for core/v1 and events.k8s.io/v1 Events (same columns). */
final class EventCells {
    static final List<ObjectNode> COLUMNS = List.of(
            col("Last Seen", "string", "", 0, "The time at which the most recent occurrence of this event was recorded."),
            col("Type", "string", "", 0, "Type of this event (Normal, Warning), new types could be added in the future"),
            col("Reason", "string", "", 0, "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
            col("Object", "string", "", 0, "The object that this event is about."),
            col("Subobject", "string", "", 1, "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]."),
            col("Source", "string", "", 1, "The component reporting this event. Should be a short machine understandable string."),
            col("Message", "string", "", 0, "A human-readable description of the status of this operation."),
            col("First Seen", "string", "", 1, "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
            col("Count", "string", "", 1, "The number of times this event has occurred."),
            col("Name", "string", "name", 1, "Name must be unique within a namespace."));

    private EventCells() {
    }

    static List<Object> coreCells(ObjectNode e, Instant now) {
        return cells(e, now, e.path("firstTimestamp"), e.path("lastTimestamp"), e.path("count"), e.path("involvedObject"),
                e.path("source").path("component").asText(""), e.path("source").path("host").asText(""),
                e.path("message").asText(""));
    }

    static List<Object> eventsV1Cells(ObjectNode e, Instant now) {
        return cells(e, now, e.path("deprecatedFirstTimestamp"), e.path("deprecatedLastTimestamp"),
                e.path("deprecatedCount"), e.path("regarding"),
                e.path("deprecatedSource").path("component").asText(""),
                e.path("deprecatedSource").path("host").asText(""), e.path("note").asText(""));
    }

    private static List<Object> cells(ObjectNode e, Instant now, JsonNode first, JsonNode last, JsonNode countNode,
                                      JsonNode involved, String component, String host, String message) {
        String firstSeen = Format.parseTime(first) != null ? Format.since(first, now)
                : Format.since(e.path("eventTime"), now);
        String lastSeen = Format.parseTime(last) != null ? Format.since(last, now) : firstSeen;
        long count = countNode.asLong(0);
        JsonNode series = e.path("series");
        if (series.isObject()) {
            lastSeen = Format.since(series.path("lastObservedTime"), now);
            count = series.path("count").asLong(0);
        } else if (count == 0) {
            count = 1;
        }
        String kind = involved.path("kind").asText("").toLowerCase(Locale.ROOT);
        String name = involved.path("name").asText("");
        String target = name.isEmpty() ? kind : kind + "/" + name;
        String sourceComponent = component.isEmpty() ? e.path("reportingController").asText("") : component;
        String sourceInstance = host.isEmpty() ? e.path("reportingInstance").asText("") : host;
        String source = sourceInstance.isEmpty() ? sourceComponent : sourceComponent + ", " + sourceInstance;
        List<Object> cells = new ArrayList<>();
        cells.add(lastSeen);
        cells.add(e.path("type").asText(""));
        cells.add(e.path("reason").asText(""));
        cells.add(target);
        cells.add(involved.path("fieldPath").asText(""));
        cells.add(source);
        cells.add(message.strip());
        cells.add(firstSeen);
        cells.add(count);
        cells.add(TablePrinters.name(e));
        return cells;
    }
}
