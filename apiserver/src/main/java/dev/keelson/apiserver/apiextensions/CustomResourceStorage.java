package dev.keelson.apiserver.apiextensions;

import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.admission.AdmissionChain;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.WatchCache;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Watch caches and generic stores for custom resources, made when a definition is served and closed when it is
 * dropped; the stores go into the apiserver's store map, so requests reach them like any built-in kind's.
 */
public final class CustomResourceStorage implements CustomResourceDefinitions.Storage, AutoCloseable {
    private final EtcdStorage etcd;
    private final Map<ResourceType, GenericStore> stores;
    private final AdmissionChain admission;
    private final GenericStore.ManagedFieldsRecorder managedFields;
    private final Map<ResourceType, WatchCache> caches = new ConcurrentHashMap<>();

    public CustomResourceStorage(EtcdStorage etcd, Map<ResourceType, GenericStore> stores,
                                 AdmissionChain admission,
                                 GenericStore.ManagedFieldsRecorder managedFields) {
        this.etcd = etcd;
        this.stores = stores;
        this.admission = admission;
        this.managedFields = managedFields;
    }

    @Override
    public GenericStore open(ResourceType type) {
        GenericStore existing = stores.get(type);
        if (existing != null) {
            return existing;
        }
        String apiVersion = type.apiVersion();
        WatchCache cache = new WatchCache(type.prefix(), etcd, Json.MAPPER, obj -> obj.put("apiVersion", apiVersion));
        try {
            cache.start().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            cache.close();
            throw new IllegalStateException("the watch cache of " + type.plural() + " did not start: " + e, e);
        }
        caches.put(type, cache);
        GenericStore store = new GenericStore(type, etcd, cache, admission, managedFields);
        stores.put(type, store);
        return store;
    }

    @Override
    public void close(ResourceType type) {
        stores.remove(type);
        WatchCache cache = caches.remove(type);
        if (cache != null) {
            cache.close();
        }
    }

    @Override
    public void close() {
        caches.keySet().forEach(this::close);
    }
}
