package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.ClusterScopedValidation;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.Namespace;
import java.util.Map;
import java.util.Set;

/** Namespaces: Active on create, Terminating on delete, removed once both finalizer lists are empty. */
public final class NamespaceStrategy extends Strategy {
    public NamespaceStrategy() {
        super(Registration.clusterScoped("v1", "Namespace", "namespaces", Namespace.class).shortNames("ns")
                .subresources("status", "finalize"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.namespace(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        ClusterScopedValidation.namespace(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.NAMESPACES;
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        obj.putObject("status").put("phase", "Active");
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        super.prepareForUpdate(newObj, oldObj);
        // spec.finalizers change only through the finalize subresource
        JsonNode oldSpec = oldObj.get("spec");
        if (oldSpec != null) {
            newObj.set("spec", oldSpec.deepCopy());
        }
    }

    /** PUT namespaces/{name}/finalize: only spec.finalizers may change. */
    public ObjectNode prepareForFinalize(ObjectNode newObj, ObjectNode oldObj) {
        ObjectNode merged = oldObj.deepCopy();
        JsonNode fins = newObj.path("spec").get("finalizers");
        ObjectNode spec = merged.with("spec");
        if (fins == null) {
            spec.remove("finalizers");
        } else {
            spec.set("finalizers", fins.deepCopy());
        }
        return merged;
    }

    @Override
    public void prepareForDelete(ObjectNode obj) {
        obj.with("status").put("phase", "Terminating");
    }

    @Override
    public boolean readyForRemoval(ObjectNode obj) {
        JsonNode specFin = obj.path("spec").path("finalizers");
        return super.readyForRemoval(obj) && (!specFin.isArray() || specFin.isEmpty());
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace", "status.phase");
    }

    @Override
    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> f = super.fields(obj);
        f.put("status.phase", obj.path("status").path("phase").asText(""));
        return f;
    }
}
