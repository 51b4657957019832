package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.ConfigValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.ConfigMap;

/** core/v1 ConfigMaps: data and binaryData, immutable once marked so. */
public final class ConfigMapStrategy extends Strategy {
    public ConfigMapStrategy() {
        super(Registration.namespaced("v1", "ConfigMap", "configmaps", ConfigMap.class).shortNames("cm"));
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        ConfigValidation.configMap(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        ConfigValidation.configMapUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.CONFIG_MAPS;
    }
}
