package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.WorkloadPrinters;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.WorkloadValidation;
import io.fabric8.kubernetes.api.model.PodTemplate;

/** core/v1 PodTemplates: a pod template of its own; changes to it bump the generation. */
public final class PodTemplateStrategy extends Strategy {
    public PodTemplateStrategy() {
        super(Registration.namespaced("v1", "PodTemplate", "podtemplates", PodTemplate.class));
    }

    @Override
    public void defaults(ObjectNode obj) {
        Defaults.podTemplate(obj);
    }

    @Override
    protected String generationSource() {
        return "template";
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        WorkloadValidation.podTemplate(e, obj, type().namespaced());
    }

    @Override
    public TablePrinter printer() {
        return WorkloadPrinters.POD_TEMPLATES;
    }
}
