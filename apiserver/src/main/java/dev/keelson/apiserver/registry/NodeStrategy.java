package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/** Nodes: the kubelet registers them with their status; cordon state is selectable. */
public final class NodeStrategy extends Strategy {
    @Override
    protected boolean keepsStatusOnCreate() {
        return true;
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        super.prepareForCreate(obj);
        ((ObjectNode) obj.path("metadata")).remove("generation");
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        super.prepareForUpdate(newObj, oldObj);
        ((ObjectNode) newObj.path("metadata")).remove("generation");
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace", "spec.unschedulable");
    }

    @Override
    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> f = super.fields(obj);
        f.put("spec.unschedulable", Boolean.toString(obj.path("spec").path("unschedulable").asBoolean(false)));
        return f;
    }
}
