package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.TablePrinters;
import dev.keelson.apiserver.registry.Registration;
import dev.keelson.apiserver.registry.Strategy;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.util.List;

/**
 * apiextensions.k8s.io/v1 CustomResourceDefinitions: cluster scoped, with a status subresource the controllers write
 * ({@link CustomResourceDefinitions}). A delete first adds the {@value #CLEANUP_FINALIZER} finalizer and the
 * Terminating condition, as kube-apiserver's CRD storage does, so every custom object is removed before the definition.
 */
public final class CustomResourceDefinitionStrategy extends Strategy {
    public static final String CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

    public CustomResourceDefinitionStrategy() {
        super(Registration.clusterScoped("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                        "customresourcedefinitions", CustomResourceDefinition.class)
                .shortNames("crd", "crds").subresources("status")
                .storedUnder("apiextensions.k8s.io/customresourcedefinitions"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        CrdValidation.defaults(obj);
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        ObjectNode status = obj.putObject("status");
        status.putObject("acceptedNames").put("plural", "").put("kind", "");
        status.putArray("conditions");
        String storage = CrdValidation.storageVersion(obj);
        ArrayNode stored = status.putArray("storedVersions");
        if (storage != null) {
            stored.add(storage);
        }
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        super.validate(e, withoutCleanupFinalizer(obj));
        CrdValidation.validate(obj).forEach(e::add);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        super.validateUpdate(e, withoutCleanupFinalizer(newObj), withoutCleanupFinalizer(oldObj));
        CrdValidation.validateUpdate(newObj, oldObj).forEach(e::add);
    }

    /**
     * The object as object-meta validation should see it: the cleanup finalizer is the apiserver's own, named as
     * Kubernetes names it (no slash), which the core rule for finalizer names would refuse.
     */
    private static ObjectNode withoutCleanupFinalizer(ObjectNode obj) {
        if (!(obj.path("metadata").get("finalizers") instanceof ArrayNode fins)) {
            return obj;
        }
        ObjectNode copy = obj.deepCopy();
        ArrayNode kept = Json.meta(copy).putArray("finalizers");
        fins.forEach(f -> {
            if (!CLEANUP_FINALIZER.equals(f.asText())) {
                kept.add(f);
            }
        });
        return copy;
    }

    @Override
    public void prepareForDelete(ObjectNode obj) {
        ObjectNode meta = Json.meta(obj);
        if (meta.hasNonNull("deletionTimestamp")) {
            return;
        }
        ArrayNode fins = meta.get("finalizers") instanceof ArrayNode a ? a : meta.putArray("finalizers");
        boolean present = false;
        for (JsonNode f : fins) {
            present |= CLEANUP_FINALIZER.equals(f.asText());
        }
        if (!present) {
            fins.add(CLEANUP_FINALIZER);
        }
        ObjectNode status = obj.get("status") instanceof ObjectNode s ? s : obj.putObject("status");
        CrdConditions.setCondition(status, "Terminating", "True", "InstanceDeletionPending",
                "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon");
    }

    @Override
    public TablePrinter printer() {
        return TablePrinter.of(List.of(TablePrinters.nameCol(), TablePrinters.col("Created At", "date", "", 0,
                        "CreationTimestamp is a timestamp representing the server time when this object was created.")),
                (o, now) -> List.of(TablePrinters.name(o), o.path("metadata").path("creationTimestamp").asText("")));
    }
}
