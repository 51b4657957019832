package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.ConfigValidation;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Map;
import java.util.Set;

/** core/v1 Secrets: type Opaque by default, stringData folded into data, selectable by type. */
public final class SecretStrategy extends Strategy {
    public SecretStrategy() {
        super(Registration.namespaced("v1", "Secret", "secrets", Secret.class));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.secret(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        ConfigValidation.secret(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        ConfigValidation.secretUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.SECRETS;
    }

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
