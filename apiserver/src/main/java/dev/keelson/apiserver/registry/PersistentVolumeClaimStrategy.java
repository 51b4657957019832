package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.StoragePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.StorageDefaults;
import dev.keelson.apiserver.validation.StorageValidation;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import java.util.List;

/**
 * v1 PersistentVolumeClaims: a request for storage, bound to one PersistentVolume by the PV controller. The spec is
 * immutable but for binding and growth of a bound claim's request; a new claim is Pending.
 */
public final class PersistentVolumeClaimStrategy extends Strategy {
    public PersistentVolumeClaimStrategy() {
        super(Registration.namespaced("v1", "PersistentVolumeClaim", "persistentvolumeclaims",
                PersistentVolumeClaim.class).shortNames("pvc").subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        StorageDefaults.persistentVolumeClaim(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        obj.putObject("status").put("phase", "Pending");
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        StorageValidation.persistentVolumeClaim(e, obj);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        StorageValidation.persistentVolumeClaimUpdate(e, newObj, oldObj);
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        if (!"status".equals(subresource)) {
            return validateUpdate(newObj, oldObj);
        }
        Errs e = new Errs();
        StorageValidation.persistentVolumeClaimStatusUpdate(e, newObj, oldObj);
        return e.distinct();
    }

    @Override
    public TablePrinter printer() {
        return StoragePrinters.PERSISTENT_VOLUME_CLAIMS;
    }
}
