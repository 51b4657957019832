package dev.keelson.apiserver.registry;

import java.util.List;
import java.util.Set;

/**
 * Everything the apiserver knows about one served resource: names, scope, subresources, strategy. Made from a
 * strategy's {@link Registration}; read it from {@link Strategy#type()}.
 */
public record ResourceType(String group, String version, String kind, String plural, String singular,
                           boolean namespaced, List<String> shortNames, List<String> categories,
                           Set<String> subresources, Class<?> model, Strategy strategy, String storagePrefix,
                           ScaleSubresource scale) {

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    public String groupVersion() {
        return apiVersion();
    }

    public String listKind() {
        return kind + "List";
    }

    /** The etcd key prefix of all objects ({@code /registry/pods/}). */
    public String prefix() {
        return "/registry/" + storagePrefix + "/";
    }

    /** The etcd key prefix of one namespace's objects, or of all objects when {@code namespace} is null. */
    public String prefix(String namespace) {
        return namespaced && namespace != null ? prefix() + namespace + "/" : prefix();
    }

    public String key(String namespace, String name) {
        return namespaced ? prefix() + namespace + "/" + name : prefix() + name;
    }

    public boolean hasStatus() {
        return subresources.contains("status");
    }

    public List<String> verbs() {
        return strategy instanceof ReviewStrategy ? List.of("create")
                : List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    }
}
