package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.AutoscalingPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.AutoscalingValidation;
import dev.keelson.apiserver.validation.Errs;
import io.fabric8.kubernetes.api.model.autoscaling.v1.HorizontalPodAutoscaler;

/** autoscaling/v1 HorizontalPodAutoscalers: the same objects as autoscaling/v2, read through a conversion. */
public final class HorizontalPodAutoscalerV1Strategy extends Strategy {
    public HorizontalPodAutoscalerV1Strategy() {
        super(Registration.namespaced("autoscaling/v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers",
                HorizontalPodAutoscaler.class).shortNames("hpa").categories("all").subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        if (obj.get("spec") instanceof ObjectNode spec && !spec.has("minReplicas")) {
            spec.put("minReplicas", 1);
        }
    }

    @Override
    public ObjectNode fromStorage(ObjectNode obj) {
        return HorizontalPodAutoscalerConversion.toV1(obj);
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        AutoscalingValidation.horizontalPodAutoscalerV1(e, obj);
    }

    @Override
    public TablePrinter printer() {
        return AutoscalingPrinters.HORIZONTAL_POD_AUTOSCALERS_V1;
    }
}
