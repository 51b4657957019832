package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.printers.StoragePrinters;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' DefaultStorageClass: a new claim that names no class (no {@code storageClassName} at all and no beta
 * class annotation) gets the default StorageClass; with several defaults, the newest (then the first name) wins, as
 * since Kubernetes 1.26. An explicit {@code storageClassName: ""} asks for no class and is kept.
 */
final class DefaultStorageClass implements AdmissionPlugin {
    static final String NAME = "DefaultStorageClass";

    private final PluginContext context;

    DefaultStorageClass(PluginContext context) {
        this.context = context;
    }

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
        if (r.operation() != Operation.CREATE || !r.isResource("", "persistentvolumeclaims")
                || !r.subresource().isEmpty()) {
            return DONE;
        }
        ObjectNode spec = r.object().with("spec");
        JsonNode cls = spec.get("storageClassName");
        if (cls != null && !cls.isNull()
                || r.object().path("metadata").path("annotations").has("volume.beta.kubernetes.io/storage-class")) {
            return DONE;
        }
        ResourceType classes = context.type("storage.k8s.io", "storageclasses");
        GenericStore store = classes == null ? null : context.stores().get(classes);
        if (store == null) {
            return DONE;
        }
        store.cache().snapshot().objects().stream()
                .filter(StoragePrinters::isDefaultClass)
                .max(Comparator.<ObjectNode, String>comparing(sc -> sc.at("/metadata/creationTimestamp").asText(""))
                        .thenComparing(sc -> sc.at("/metadata/name").asText(""), Comparator.reverseOrder()))
                .ifPresent(sc -> spec.put("storageClassName", sc.at("/metadata/name").asText()));
        return DONE;
    }
}
