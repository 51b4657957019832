package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.patch.MergeType;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.registry.Registration;
import dev.keelson.apiserver.registry.Strategy;
import dev.keelson.apiserver.validation.Errs;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One served version of a custom resource: pruning and defaulting by its structural schema, schema validation with
 * kube-apiserver's field paths, the status split when the status subresource is on (generation counts every change
 * outside metadata and status), the version's printer columns, its deprecation warning, and no creates while its
 * definition is terminating.
 */
final class CustomResourceStrategy extends Strategy {
    private final SchemaNode schema;
    private final MergeType mergeType;
    private final boolean statusSubresource;
    private final TablePrinter printer;
    private final BooleanSupplier terminating;
    private final String deprecationWarning;

    CustomResourceStrategy(Registration registration, SchemaNode schema, JsonNode printerColumns,
                           String deprecationWarning, BooleanSupplier terminating) {
        super(registration);
        this.deprecationWarning = deprecationWarning;
        this.schema = schema;
        this.mergeType = SchemaMergeType.root(schema);
        this.statusSubresource = registration.subresources().contains("status");
        this.printer = new CustomResourcePrinter(printerColumns);
        this.terminating = terminating;
    }

    SchemaNode schema() {
        return schema;
    }

    /** Lists merge as the schema's x-kubernetes-list-type says; metadata as in every kind. */
    @Override
    public MergeType mergeType() {
        return mergeType;
    }

    /** The warning every request to a deprecated version gets, or null. */
    String deprecationWarning() {
        return deprecationWarning;
    }

    /** Prunes unknown fields and applies defaults; answers the pruned paths (for fieldValidation). */
    List<String> pruneAndDefault(ObjectNode obj) {
        return SchemaDefaulter.pruneAndDefault(obj, schema);
    }

    @Override
    public void defaults(ObjectNode obj) {
        pruneAndDefault(obj);
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        if (terminating.getAsBoolean()) {
            throw ApiException.methodNotAllowed("create not allowed while custom resource definition is terminating");
        }
        if (statusSubresource) {
            obj.remove("status");
        }
        Json.meta(obj).put("generation", 1);
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        if (statusSubresource) {
            JsonNode oldStatus = oldObj.get("status");
            if (oldStatus == null) {
                newObj.remove("status");
            } else {
                newObj.set("status", oldStatus.deepCopy());
            }
        }
        long generation = oldObj.path("metadata").path("generation").asLong(1);
        if (!withoutMetadata(newObj).equals(withoutMetadata(oldObj))) {
            generation++;
        }
        Json.meta(newObj).put("generation", generation);
    }

    private ObjectNode withoutMetadata(ObjectNode obj) {
        ObjectNode copy = obj.deepCopy();
        copy.remove("metadata");
        if (statusSubresource) {
            copy.remove("status");
        }
        return copy;
    }

    @Override
    protected void validate(Errs e, ObjectNode obj) {
        super.validate(e, obj);
        SchemaValidator.validate(schema, obj).forEach(e::add);
    }

    @Override
    public TablePrinter printer() {
        return printer;
    }
}
