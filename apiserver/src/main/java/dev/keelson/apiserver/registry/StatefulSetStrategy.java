package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.AppsPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.AppsDefaults;
import dev.keelson.apiserver.validation.AppsValidation;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.List;

/** apps/v1 StatefulSets: ordinal pods kept by the statefulset controller; scale and status subresources. */
public final class StatefulSetStrategy extends Strategy {
    public StatefulSetStrategy() {
        super(Registration.namespaced("apps/v1", "StatefulSet", "statefulsets", StatefulSet.class)
                .shortNames("sts").categories("all").subresources("status").scale(ScaleSubresource.WORKLOAD));
    }

    @Override
    public void defaults(ObjectNode obj) {
        AppsDefaults.statefulSet(obj);
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        ObjectNode status = obj.putObject("status");
        status.put("replicas", 0);
        status.put("availableReplicas", 0);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        AppsValidation.statefulSet(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        AppsValidation.statefulSetUpdate(e, newObj, oldObj);
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        if (!"status".equals(subresource)) {
            return validateUpdate(newObj, oldObj);
        }
        Errs e = new Errs();
        AppsValidation.statefulSetStatusUpdate(e, newObj, oldObj);
        return e.distinct();
    }

    @Override
    public TablePrinter printer() {
        return AppsPrinters.STATEFUL_SETS;
    }
}
