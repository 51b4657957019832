package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/** core/v1 Events: selectable by the object they are about, as `kubectl describe` asks. */
public final class EventStrategy extends Strategy {
    private static final String[] INVOLVED = {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion",
        "fieldPath"};

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
