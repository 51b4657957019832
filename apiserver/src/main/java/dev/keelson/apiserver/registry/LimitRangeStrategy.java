package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.PolicyPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.PolicyValidation;
import io.fabric8.kubernetes.api.model.LimitRange;

/** core/v1 LimitRanges: per-namespace defaults and bounds of container, pod and claim resources. */
public final class LimitRangeStrategy extends Strategy {
    public LimitRangeStrategy() {
        super(Registration.namespaced("v1", "LimitRange", "limitranges", LimitRange.class).shortNames("limits"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.limitRange(obj);
    }

    @Override
    protected boolean tracksGeneration() {
        return false;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        PolicyValidation.limitRange(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return PolicyPrinters.LIMIT_RANGES;
    }
}
