package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.EventValidation;
import io.fabric8.kubernetes.api.model.Event;
import java.util.Map;
import java.util.Set;

/** core/v1 Events: selectable by the object they are about, as `kubectl describe` asks. */
public final class EventStrategy extends Strategy {
    private static final String[] INVOLVED = {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
        "fieldPath"};

    public EventStrategy() {
        super(Registration.namespaced("v1", "Event", "events", Event.class).shortNames("ev"));
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        EventValidation.coreEvent(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.EVENTS;
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
                "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
                "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent",
                "source", "type");
    }

    @Override
    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> f = super.fields(obj);
        JsonNode io = obj.path("involvedObject");
        for (String k : INVOLVED) {
            f.put("involvedObject." + k, io.path(k).asText(""));
        }
        f.put("reason", obj.path("reason").asText(""));
        f.put("reportingComponent", obj.path("reportingComponent").asText(""));
        f.put("source", obj.path("source").path("component").asText(""));
        f.put("type", obj.path("type").asText(""));
        return f;
    }
}
