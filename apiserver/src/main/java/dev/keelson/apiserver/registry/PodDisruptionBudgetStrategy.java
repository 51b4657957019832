package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.AppsPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.DisruptionValidation;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;

/**
 * policy/v1 PodDisruptionBudgets: their status is computed by the disruption controller and spent by the pods/eviction
 * subresource; status subresource.
 */
public final class PodDisruptionBudgetStrategy extends Strategy {
    public PodDisruptionBudgetStrategy() {
        super(Registration.namespaced("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets",
                PodDisruptionBudget.class).shortNames("pdb").subresources("status"));
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        ObjectNode status = obj.putObject("status");
        status.put("disruptionsAllowed", 0);
        status.put("currentHealthy", 0);
        status.put("desiredHealthy", 0);
        status.put("expectedPods", 0);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        DisruptionValidation.podDisruptionBudget(e, obj, type().namespaced());
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        if (!"status".equals(subresource)) {
            return validateUpdate(newObj, oldObj);
        }
        Errs e = new Errs();
        DisruptionValidation.statusUpdate(e, newObj, oldObj);
        return e.distinct();
    }

    @Override
    public TablePrinter printer() {
        return AppsPrinters.POD_DISRUPTION_BUDGETS;
    }
}
