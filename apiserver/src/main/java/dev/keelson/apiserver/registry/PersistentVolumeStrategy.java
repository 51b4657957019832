package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.StoragePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.StorageDefaults;
import dev.keelson.apiserver.validation.StorageValidation;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import java.util.List;

/**
 * v1 PersistentVolumes (cluster-scoped): a piece of storage a claim binds to. A new volume is Pending; the status
 * subresource carries the phase the PV controller keeps, with lastPhaseTransitionTime set when the phase changes.
 */
public final class PersistentVolumeStrategy extends Strategy {
    public PersistentVolumeStrategy() {
        super(Registration.clusterScoped("v1", "PersistentVolume", "persistentvolumes", PersistentVolume.class)
                .shortNames("pv").subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        StorageDefaults.persistentVolume(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        ObjectNode status = obj.putObject("status");
        status.put("phase", "Pending");
        status.put("lastPhaseTransitionTime", Json.now());
    }

    @Override
    public ObjectNode prepareForStatusUpdate(ObjectNode newObj, ObjectNode oldObj) {
        ObjectNode merged = super.prepareForStatusUpdate(newObj, oldObj);
        String phase = merged.path("status").path("phase").asText("");
        if (merged.path("status").isObject() && !phase.equals(oldObj.path("status").path("phase").asText(""))
                && merged.path("status").path("lastPhaseTransitionTime").equals(
                        oldObj.path("status").path("lastPhaseTransitionTime"))) {
            ((ObjectNode) merged.get("status")).put("lastPhaseTransitionTime", Json.now());
        }
        return merged;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        StorageValidation.persistentVolume(e, obj);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        StorageValidation.persistentVolumeUpdate(e, newObj, oldObj);
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        if (!"status".equals(subresource)) {
            return validateUpdate(newObj, oldObj);
        }
        Errs e = new Errs();
        StorageValidation.persistentVolumeStatusUpdate(e, newObj, oldObj);
        return e.distinct();
    }

    @Override
    public TablePrinter printer() {
        return StoragePrinters.PERSISTENT_VOLUMES;
    }
}
