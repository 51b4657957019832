package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.patch.MergeType;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.TablePrinters;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.validation.Errs;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.MetaValidation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Everything kind-specific, as kube-apiserver's registry strategies: the kind's {@link Registration} (names, scope,
 * subresources, model), defaults, preparation for create and update, validation, status-subresource field reset,
 * whether spec changes bump {@code metadata.generation}, table columns, which fields a field selector may use, and
 * extra etcd writes (allocations) that must commit in the same transaction as the object. The generic store asks
 * only this. The base class is the behaviour of a plain resource: no defaults, object-meta validation, NAME and AGE.
 */
public abstract class Strategy {
    private final ResourceType type;

    protected Strategy(Registration registration) {
        this.type = registration.type(this);
    }

    public ResourceType type() {
        return type;
    }

    /** How this kind's objects merge under strategic merge and server-side apply; built-ins follow their model. */
    public MergeType mergeType() {
        return MergeType.of(type.model());
    }

    /** Fills in what Kubernetes defaults for this kind (its defaults.go), in place and idempotently. */
    public void defaults(ObjectNode obj) {}

    /**
     * An object as read from etcd, in this resource's version: objects of a kind served in several versions share
     * one prefix and are stored in the version that wrote them (HorizontalPodAutoscalers); identity for the rest.
     */
    public ObjectNode fromStorage(ObjectNode obj) {
        return obj;
    }

    /** Whether spec changes bump {@code metadata.generation} (false: the kind carries no generation at all). */
    protected boolean tracksGeneration() {
        return true;
    }

    /** The top-level field whose changes bump the generation (PodTemplates keep theirs in "template"). */
    protected String generationSource() {
        return "spec";
    }

    /** The columns of {@code kubectl get} for this kind (Kubernetes' printers.go). */
    public TablePrinter printer() {
        return TablePrinters.DEFAULT;
    }

    /** Called on create, after defaults: reset what a client may not set. */
    public void prepareForCreate(ObjectNode obj) {
        if (type.hasStatus() && !keepsStatusOnCreate()) {
            obj.remove("status");
            initialStatus(obj);
        }
        if (!tracksGeneration()) {
            Json.meta(obj).remove("generation");
        } else if (obj.has(generationSource())) {
            Json.meta(obj).put("generation", 1);
        }
    }

    /** Called on create with the request's context (who asks; null for the apiserver's own writes). */
    public void prepareForCreate(ObjectNode obj, RequestContext context) {
        prepareForCreate(obj);
    }

    /** Nodes and a few others may carry status on create; most kinds start with an empty status. */
    protected boolean keepsStatusOnCreate() {
        return false;
    }

    protected void initialStatus(ObjectNode obj) {}

    /** Called on update of the main resource: status is not writable here, and spec changes bump generation. */
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj) {
        if (type.hasStatus()) {
            JsonNode oldStatus = oldObj.get("status");
            if (oldStatus == null) {
                newObj.remove("status");
            } else {
                newObj.set("status", oldStatus.deepCopy());
            }
        }
        if (tracksGeneration()) {
            bumpGenerationIfChanged(newObj, oldObj, generationSource());
        } else {
            Json.meta(newObj).remove("generation");
        }
    }

    /** Called on update of the main resource with the request's context (null for the apiserver's own writes). */
    public void prepareForUpdate(ObjectNode newObj, ObjectNode oldObj, RequestContext context) {
        prepareForUpdate(newObj, oldObj);
    }

    private static void bumpGenerationIfChanged(ObjectNode newObj, ObjectNode oldObj, String source) {
        long gen = oldObj.path("metadata").path("generation").asLong(0);
        JsonNode oldSpec = oldObj.get(source);
        JsonNode newSpec = newObj.get(source);
        boolean changed = oldSpec == null ? newSpec != null : !oldSpec.equals(newSpec);
        if (changed) {
            gen++;
        }
        if (gen > 0 || newSpec != null) {
            Json.meta(newObj).put("generation", Math.max(gen, 1));
        }
    }

    /** Called on update of the status subresource: everything but status comes from the stored object. */
    public ObjectNode prepareForStatusUpdate(ObjectNode newObj, ObjectNode oldObj) {
        ObjectNode merged = oldObj.deepCopy();
        JsonNode status = newObj.get("status");
        if (status == null) {
            merged.remove("status");
        } else {
            merged.set("status", status.deepCopy());
        }
        return merged;
    }

    /** Called on update of the approval subresource (certificatesigningrequests): the conditions only. */
    public ObjectNode prepareForApprovalUpdate(ObjectNode newObj, ObjectNode oldObj) {
        throw new IllegalStateException(type.plural() + " has no approval subresource");
    }

    /** The field errors of a new object (after defaults and preparation); empty when valid. */
    public final List<FieldError> validate(ObjectNode obj) {
        Errs e = new Errs();
        validate(e, obj);
        return e.distinct();
    }

    /** The field errors of an update (main resource or status); empty when valid. */
    public final List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj) {
        Errs e = new Errs();
        validateUpdate(e, newObj, oldObj);
        return e.distinct();
    }

    /** This kind's create validation (its validation class); the base checks object metadata only. */
    protected void validate(Errs e, ObjectNode obj) {
        MetaValidation.objectMeta(e, obj, type.namespaced());
    }

    /** This kind's update validation; the base is what may not change in metadata plus create validation. */
    protected void validateUpdate(Errs e, ObjectNode newObj, ObjectNode oldObj) {
        MetaValidation.objectMetaUpdate(e, newObj, oldObj);
        validate(e, newObj);
    }

    /** Update validation of a write through {@code subresource} (null: the main resource). */
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj, String subresource) {
        return validateUpdate(newObj, oldObj);
    }

    /** Field selector labels this resource supports, beyond metadata.name and metadata.namespace. */
    public Set<String> selectableFields() {
        return Set.of("metadata.name", "metadata.namespace");
    }

    public Map<String, String> fields(ObjectNode obj) {
        Map<String, String> out = new HashMap<>();
        JsonNode meta = obj.path("metadata");
        out.put("metadata.name", meta.path("name").asText(""));
        out.put("metadata.namespace", meta.path("namespace").asText(""));
        return out;
    }

    /** The grace period a delete gets when the client did not ask for one; 0 deletes at once. */
    public long defaultGracePeriodSeconds(ObjectNode obj) {
        return 0;
    }

    /** Whether a DELETE answers with the object (pods) rather than a Status. */
    public boolean returnsDeletedObject() {
        return false;
    }

    /** Extra conditions and writes of a create transaction (e.g. reserving a ClusterIP). */
    public CompletableFuture<Allocation> allocateForCreate(ObjectNode obj, boolean dryRun) {
        return CompletableFuture.completedFuture(Allocation.NONE);
    }

    public CompletableFuture<Allocation> allocateForUpdate(ObjectNode newObj, ObjectNode oldObj, boolean dryRun) {
        return CompletableFuture.completedFuture(Allocation.NONE);
    }

    public Allocation releaseOnDelete(ObjectNode obj) {
        return Allocation.NONE;
    }

    /** Extra transaction parts. */
    public record Allocation(List<EtcdStorage.Condition> conditions, List<EtcdStorage.Write> writes) {
        public static final Allocation NONE = new Allocation(List.of(), List.of());
    }

    /** Called when a delete is requested, before the object is marked or removed (namespaces become Terminating). */
    public void prepareForDelete(ObjectNode obj) {}

    /** Whether an object that is being deleted may now be removed from storage. */
    public boolean readyForRemoval(ObjectNode obj) {
        JsonNode fin = obj.path("metadata").path("finalizers");
        return (!fin.isArray() || fin.isEmpty())
                && obj.path("metadata").path("deletionGracePeriodSeconds").asLong(0) == 0;
    }
}
