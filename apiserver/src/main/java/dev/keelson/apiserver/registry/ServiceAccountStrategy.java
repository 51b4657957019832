package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.CorePrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.ConfigValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.ServiceAccount;

/** core/v1 ServiceAccounts. */
public final class ServiceAccountStrategy extends Strategy {
    public ServiceAccountStrategy() {
        super(Registration.namespaced("v1", "ServiceAccount", "serviceaccounts", ServiceAccount.class).shortNames("sa")
                .subresources("token"));
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        ConfigValidation.serviceAccount(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return CorePrinters.SERVICE_ACCOUNTS;
    }
}
