package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' StorageObjectInUseProtection: every new claim gets the {@code kubernetes.io/pvc-protection} finalizer and
 * every new volume {@code kubernetes.io/pv-protection}, so a claim a pod uses (a volume a claim is bound to) stays
 * until the protection controllers see it unused and remove the finalizer.
 */
final class StorageObjectInUseProtection implements AdmissionPlugin {
    static final String NAME = "StorageObjectInUseProtection";
    static final String PVC_FINALIZER = "kubernetes.io/pvc-protection";
    static final String PV_FINALIZER = "kubernetes.io/pv-protection";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean mutating() {
        return true;
    }

    @Override
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        if (r.operation() != Operation.CREATE || !r.subresource().isEmpty()) {
            return DONE;
        }
        if (r.isResource("", "persistentvolumeclaims")) {
            addFinalizer(r.object(), PVC_FINALIZER);
        } else if (r.isResource("", "persistentvolumes")) {
            addFinalizer(r.object(), PV_FINALIZER);
        }
        return DONE;
    }

    private static void addFinalizer(ObjectNode obj, String finalizer) {
        ObjectNode meta = obj.with("metadata");
        JsonNode existing = meta.get("finalizers");
        ArrayNode list = existing instanceof ArrayNode a ? a : meta.putArray("finalizers");
        for (JsonNode f : list) {
            if (finalizer.equals(f.asText())) {
                return;
            }
        }
        list.add(finalizer);
    }
}
