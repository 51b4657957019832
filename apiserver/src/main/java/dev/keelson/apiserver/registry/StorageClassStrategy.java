package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.StoragePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.StorageDefaults;
import dev.keelson.apiserver.validation.StorageValidation;
import io.fabric8.kubernetes.api.model.storage.StorageClass;

/** storage.k8s.io/v1 StorageClasses (cluster-scoped): how claims of a class are provisioned and bound. */
public final class StorageClassStrategy extends Strategy {
    public StorageClassStrategy() {
        super(Registration.clusterScoped("storage.k8s.io/v1", "StorageClass", "storageclasses", StorageClass.class)
                .shortNames("sc"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        StorageDefaults.storageClass(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        StorageValidation.storageClass(e, obj);
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        StorageValidation.storageClassUpdate(e, newObj, oldObj);
    }

    @Override
    public TablePrinter printer() {
        return StoragePrinters.STORAGE_CLASSES;
    }
}
