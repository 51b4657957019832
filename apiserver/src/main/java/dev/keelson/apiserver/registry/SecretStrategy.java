package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/** Secrets: selectable by type. */
public final class SecretStrategy extends Strategy {
    @Override
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace", "type");
    }

    @Override
    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> f = super.fields(obj);
        f.put("type", obj.path("type").asText(""));
        return f;
    }
}
