package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.validation.Defaults;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.apiserver.validation.Validation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The resource-specific answers the generic store asks for: defaults, preparation for create and update,
 * validation, which fields a field selector may use, and extra etcd writes (allocations) that must commit
 * in the same transaction as the object. The base class is the behaviour of a plain resource.
 */
public class Strategy {
    protected ResourceType type;

    void bind(ResourceType type) {
        this.type = type;
    }

    public ResourceType type() {
        return type;
    }

    public void defaults(ObjectNode obj) {
        Defaults.apply(type.apiVersion(), type.kind(), obj);
    }

    /** Called on create, after defaults: reset what a client may not set. */
    public void prepareForCreate(ObjectNode obj) {
        if (type.hasStatus() && !keepsStatusOnCreate()) {
            obj.remove("status");
            initialStatus(obj);
        }
        if (obj.has("spec")) {
            Json.meta(obj).put("generation", 1);
        }
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
        bumpGenerationIfSpecChanged(newObj, oldObj);
    }

    protected static void bumpGenerationIfSpecChanged(ObjectNode newObj, ObjectNode oldObj) {
        long gen = oldObj.path("metadata").path("generation").asLong(0);
        JsonNode oldSpec = oldObj.get("spec");
        JsonNode newSpec = newObj.get("spec");
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

    public List<FieldError> validate(ObjectNode obj) {
        return Validation.validateCreate(type.apiVersion(), type.kind(), obj);
    }

    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode oldObj) {
        return Validation.validateUpdate(type.apiVersion(), type.kind(), newObj, oldObj);
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
