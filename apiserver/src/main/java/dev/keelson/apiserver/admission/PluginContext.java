package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What plugins read: the served resources and their stores (filled before the server serves), and the settings the
 * plugins take from the apiserver's flags.
 */
public record PluginContext(Resources resources, Map<ResourceType, GenericStore> stores,
                            long notReadyTolerationSeconds, long unreachableTolerationSeconds) {

    public GenericStore store(String group, String plural) {
        ResourceType t = type(group, plural);
        return t == null ? null : stores.get(t);
    }

    public ResourceType type(String group, String plural) {
        for (ResourceType t : resources.all()) {
            if (t.group().equals(group) && t.plural().equals(plural)) {
                return t;
            }
        }
        return null;
    }

    /** A namespace from the watch cache, or from etcd when the cache has not seen it yet (404 when absent). */
    public CompletableFuture<ObjectNode> namespace(String name) {
        ResourceType namespaces = type("", "namespaces");
        GenericStore store = stores.get(namespaces);
        ObjectNode cached = store.cache().get(namespaces.key(null, name));
        return cached != null ? CompletableFuture.completedFuture(cached) : store.get(null, name);
    }

    /** An object from the watch cache, or null. */
    public ObjectNode cached(String group, String plural, String namespace, String name) {
        ResourceType t = type(group, plural);
        return t == null ? null : stores.get(t).cache().get(t.key(namespace, name));
    }
}
