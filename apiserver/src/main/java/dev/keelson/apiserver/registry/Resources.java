package dev.keelson.apiserver.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The catalogue of resources this apiserver serves. Built-in kinds are registered at start ({@link BuiltInKinds});
 * others (custom resources) come and go at runtime. Readers get an immutable snapshot swapped in on every change,
 * so lookups by group/version/plural and by apiVersion/kind are O(1) map reads without locks.
 */
public final class Resources {

    /** Told of every registration and unregistration, after the catalogue changed, on the changing thread. */
    public interface Listener {
        void registered(ResourceType type);

        void unregistered(ResourceType type);
    }

    private record Snapshot(List<ResourceType> all, Map<String, ResourceType> byResource,
                            Map<String, ResourceType> byKind, List<String> groupVersions) {
        static Snapshot of(List<ResourceType> types) {
            Map<String, ResourceType> byResource = new HashMap<>();
            Map<String, ResourceType> byKind = new HashMap<>();
            LinkedHashSet<String> groupVersions = new LinkedHashSet<>();
            for (ResourceType t : types) {
                byResource.put(resourceKey(t.group(), t.version(), t.plural()), t);
                byKind.put(kindKey(t.apiVersion(), t.kind()), t);
                groupVersions.add(t.groupVersion());
            }
            return new Snapshot(List.copyOf(types), Map.copyOf(byResource), Map.copyOf(byKind),
                    List.copyOf(groupVersions));
        }
    }

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Snapshot snapshot;

    public Resources(List<ResourceType> all) {
        this.snapshot = Snapshot.of(List.of());
        all.forEach(this::register);
    }

    /** The built-in resources, with the strategies that need cluster settings. */
    public static Resources builtIn(PodStrategy pods, ServiceStrategy services) {
        return new Resources(BuiltInKinds.all(pods, services));
    }

    /** Every resource served now, in registration order. */
    public List<ResourceType> all() {
        return snapshot.all();
    }

    public ResourceType find(String group, String version, String plural) {
        return snapshot.byResource().get(resourceKey(group, version, plural));
    }

    public ResourceType byKind(String apiVersion, String kind) {
        return snapshot.byKind().get(kindKey(apiVersion, kind));
    }

    /** Every group-version served, in the order their first resource was registered (core first). */
    public List<String> groupVersions() {
        return snapshot.groupVersions();
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** Serves a new resource. Refused when its group/version/plural or apiVersion/kind is already served. */
    public void register(ResourceType type) {
        synchronized (this) {
            Snapshot s = snapshot;
            if (s.byResource().containsKey(resourceKey(type.group(), type.version(), type.plural()))
                    || s.byKind().containsKey(kindKey(type.apiVersion(), type.kind()))) {
                throw new IllegalArgumentException("already served: " + type.apiVersion() + " " + type.kind()
                        + " (" + type.plural() + ")");
            }
            List<ResourceType> next = new ArrayList<>(s.all());
            next.add(type);
            snapshot = Snapshot.of(next);
        }
        listeners.forEach(l -> l.registered(type));
    }

    /** Stops serving a resource; false when it was not served. */
    public boolean unregister(ResourceType type) {
        synchronized (this) {
            Snapshot s = snapshot;
            if (s.byResource().get(resourceKey(type.group(), type.version(), type.plural())) != type) {
                return false;
            }
            List<ResourceType> next = new ArrayList<>(s.all());
            next.removeIf(t -> t == type);
            snapshot = Snapshot.of(next);
        }
        listeners.forEach(l -> l.unregistered(type));
        return true;
    }

    private static String resourceKey(String group, String version, String plural) {
        return group + "/" + version + "/" + plural;
    }

    private static String kindKey(String apiVersion, String kind) {
        return apiVersion + "/" + kind;
    }
}
