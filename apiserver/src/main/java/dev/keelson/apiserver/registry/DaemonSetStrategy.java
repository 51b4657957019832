package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.AppsPrinters;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.validation.AppsDefaults;
import dev.keelson.apiserver.validation.AppsValidation;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.componentbase.api.Semantic;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;

/**
 * apps/v1 DaemonSets: one pod per eligible node, kept by the daemonset controller; status subresource. As the apps/v1
 * strategy does, the template generation (internal {@code spec.templateGeneration}) is kept in the
 * {@code deprecated.daemonset.template.generation} annotation: 1 on create, one more on each template change.
 */
public final class DaemonSetStrategy extends Strategy {
    /** The annotation apps/v1 carries the internal templateGeneration in. */
    public static final String TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";

    public DaemonSetStrategy() {
        super(Registration.namespaced("apps/v1", "DaemonSet", "daemonsets", DaemonSet.class)
                .shortNames("ds").categories("all").subresources("status"));
    }

    @Override
    public void defaults(ObjectNode obj) {
        AppsDefaults.daemonSet(obj);
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        super.prepareForCreate(obj);
        Json.meta(obj).with("annotations").put(TEMPLATE_GENERATION, "1");
    }

    @Override
    protected void initialStatus(ObjectNode obj) {
        ObjectNode status = obj.putObject("status");
        status.put("currentNumberScheduled", 0);
        status.put("numberMisscheduled", 0);
        status.put("desiredNumberScheduled", 0);
        status.put("numberReady", 0);
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        super.prepareForUpdate(newObj, oldObj);
        long old = templateGeneration(oldObj);
        boolean changed = !Semantic.equal(newObj.path("spec").get("template"), oldObj.path("spec").get("template"));
        long now = changed ? old + 1 : old;
        if (now > 0) {
            Json.meta(newObj).with("annotations").put(TEMPLATE_GENERATION, Long.toString(now));
        }
    }

    private static long templateGeneration(ObjectNode obj) {
        String v = obj.path("metadata").path("annotations").path(TEMPLATE_GENERATION).asText("");
        try {
            return v.isEmpty() ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        AppsValidation.daemonSet(e, obj, type().namespaced());
    }

    @Override
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        AppsValidation.daemonSetUpdate(e, newObj, oldObj, type().namespaced());
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        if (!"status".equals(subresource)) {
            return validateUpdate(newObj, oldObj);
        }
        Errs e = new Errs();
        AppsValidation.daemonSetStatusUpdate(e, newObj, oldObj);
        return e.distinct();
    }

    @Override
    public TablePrinter printer() {
        return AppsPrinters.DAEMON_SETS;
    }
}
