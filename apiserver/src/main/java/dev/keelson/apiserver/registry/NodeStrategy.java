package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.ClusterScopedValidation;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.Node;
import java.util.Map;
import java.util.Set;

/** Nodes: the kubelet registers them with their status; cordon state is selectable. */
public final class NodeStrategy extends Strategy {
    public NodeStrategy() {
        super(Registration.clusterScoped("v1", "Node", "nodes", Node.class).shortNames("no").subresources("status")
                .storedUnder("minions"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.node(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        ClusterScopedValidation.node(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        ClusterScopedValidation.nodeUpdate(e, newObj, oldObj);
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.NODES;
    }

    @Override
    protected boolean keepsStatusOnCreate() {
        return true;
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
