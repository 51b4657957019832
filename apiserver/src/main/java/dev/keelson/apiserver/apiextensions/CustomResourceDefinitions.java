package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.storage.WatchCache;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apiserver's CustomResourceDefinition controllers in one loop, as kube-apiserver runs them beside its handlers:
 * naming (accepted names, NamesAccepted), establishing (Established), serving (each served version of an established
 * definition becomes a registered resource with its own watch cache and store, dropped again when the definition
 * goes or changes) and finalizing (a deleted definition's objects are all deleted before its cleanup finalizer is
 * removed). Events from the definitions' watch cache only queue names; one thread syncs them.
 */
public final class CustomResourceDefinitions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CustomResourceDefinitions.class);

    /** Opens and closes the storage of a served resource (the apiserver's watch caches and stores). */
    public interface Storage {
        GenericStore open(ResourceType type);

        void close(ResourceType type);
    }

    /** What is served for one definition, and the spec it was made from. */
    private record Served(JsonNode spec, JsonNode acceptedNames, List<ResourceType> types, GenericStore storage,
                          boolean[] terminating) {}

    private final Resources resources;
    private final GenericStore definitions;
    private final Storage storage;
    private final CustomResourceOpenApiDocuments openApi = new CustomResourceOpenApiDocuments();
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private final Set<String> queue = new LinkedHashSet<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "crd-controller");
        t.setDaemon(true);
        return t;
    });
    private volatile WatchCache.Registration watch;
    private volatile boolean closed;

    public CustomResourceDefinitions(Resources resources, GenericStore definitions, Storage storage) {
        this.resources = resources;
        this.definitions = definitions;
        this.storage = storage;
    }

    /** The OpenAPI documents of the custom resource group-versions served now. */
    public CustomResourceOpenApiDocuments openApi() {
        return openApi;
    }

    /** Starts watching definitions; those already established are served before this returns. */
    public void start() {
        List<ObjectNode> existing = subscribe();
        for (ObjectNode crd : existing) {
            String name = crd.path("metadata").path("name").asText();
            try {
                worker.submit(() -> sync(name)).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("serving CustomResourceDefinition {} failed at start", name, e);
                enqueue(name, 1000);
            }
        }
    }

    private List<ObjectNode> subscribe() {
        WatchCache.SnapshotWatch sw = definitions.cache().snapshotAndWatch(null, new WatchCache.Sink() {
            @Override
            public void onEvent(WatchCache.Event event) {
                enqueue(event.object().path("metadata").path("name").asText(), 0);
            }

            @Override
            public void onTerminated(String reason) {
                if (!closed) {
                    worker.schedule(() -> {
                        subscribe().forEach(o -> enqueue(o.path("metadata").path("name").asText(), 0));
                    }, 1, TimeUnit.SECONDS);
                }
            }
        });
        watch = sw.registration();
        return sw.snapshot().objects();
    }

    private void enqueue(String name, long delayMillis) {
        if (closed) {
            return;
        }
        if (delayMillis > 0) {
            worker.schedule(() -> enqueue(name, 0), delayMillis, TimeUnit.MILLISECONDS);
            return;
        }
        synchronized (queue) {
            if (!queue.add(name)) {
                return;
            }
        }
        worker.execute(() -> {
            synchronized (queue) {
                queue.remove(name);
            }
            try {
                sync(name);
            } catch (RuntimeException e) {
                LOG.warn("syncing CustomResourceDefinition {} failed; retrying", name, e);
                enqueue(name, 1000);
            }
        });
    }

    private ObjectNode current(String name) {
        return definitions.cache().get(definitions.type().key(null, name));
    }

    /** Brings one definition's status and serving in line with what is stored. */
    private void sync(String name) {
        ObjectNode crd = current(name);
        if (crd == null) {
            unserve(name);
            return;
        }
        if (crd.path("metadata").hasNonNull("deletionTimestamp")) {
            finalizeDeletion(name, crd);
            return;
        }
        List<ObjectNode> all = definitions.cache().snapshot().objects();
        ObjectNode status = CrdConditions.status(crd, all);
        if (!status.equals(crd.path("status"))) {
            crd = definitions.guaranteedUpdate(null, name, cur -> {
                cur.set("status", CrdConditions.status(cur, definitions.cache().snapshot().objects()));
                return cur;
            }, Options.Write.DEFAULT, "status", 0).join();
        }
        if (CrdConditions.established(crd)) {
            serve(name, crd);
        }
    }

    private void serve(String name, ObjectNode crd) {
        JsonNode spec = crd.path("spec");
        JsonNode names = crd.path("status").path("acceptedNames");
        Served old = served.get(name);
        if (old != null && old.spec().equals(spec) && old.acceptedNames().equals(names)) {
            return;
        }
        unserve(name);
        boolean[] terminating = {false};
        List<ResourceType> types = new ArrayList<>();
        GenericStore storageStore = null;
        for (ResourceType t : CustomResourceKinds.types(crd, () -> terminating[0])) {
            try {
                resources.register(t);
            } catch (IllegalArgumentException e) {
                LOG.warn("CustomResourceDefinition {}: {}", name, e.getMessage());
                continue;
            }
            GenericStore store = storage.open(t);
            types.add(t);
            if (t.version().equals(CrdValidation.storageVersion(crd))) {
                storageStore = store;
            }
        }
        served.put(name, new Served(spec.deepCopy(), names.deepCopy(), types, storageStore, terminating));
        openApi.update(name, crd, types);
        LOG.info("serving {} as {}", name, types.stream().map(ResourceType::apiVersion).toList());
    }

    private void unserve(String name) {
        Served s = served.remove(name);
        if (s == null) {
            return;
        }
        openApi.remove(name);
        for (ResourceType t : s.types()) {
            resources.unregister(t);
            storage.close(t);
        }
        LOG.info("stopped serving {}", name);
    }

    /** Deletes every object of a deleted definition, then lets the definition go (its cleanup finalizer). */
    private void finalizeDeletion(String name, ObjectNode crd) {
        if (!hasFinalizer(crd)) {
            return;
        }
        Served s = served.get(name);
        if (s != null) {
            s.terminating()[0] = true;
        }
        if (s != null && s.storage() != null) {
            setTerminating(name, "InstanceDeletionInProgress", "CustomResource deletion is in progress");
            GenericStore store = s.storage();
            int left;
            try {
                store.deleteCollection(null, Options.List.ALL, new Options.Delete(0L, null, null, null, false)).join();
                left = store.list(null, Options.List.ALL).join().items().size();
            } catch (CompletionException e) {
                setTerminating(name, "InstanceDeletionFailed", "could not list instances: " + e.getCause().getMessage());
                enqueue(name, 1000);
                return;
            }
            if (left > 0) {
                setTerminating(name, "InstanceDeletionCheck",
                        "could not confirm zero CustomResources remaining: " + left + " remaining");
                enqueue(name, 1000);
                return;
            }
        }
        setTerminating(name, "InstanceDeletionCompleted", "removed all instances");
        try {
            definitions.guaranteedUpdate(null, name, cur -> {
                JsonNode fins = cur.path("metadata").path("finalizers");
                ArrayNode kept = Json.MAPPER.createArrayNode();
                fins.forEach(f -> {
                    if (!CustomResourceDefinitionStrategy.CLEANUP_FINALIZER.equals(f.asText())) {
                        kept.add(f);
                    }
                });
                Json.meta(cur).set("finalizers", kept);
                return cur;
            }, Options.Write.DEFAULT, null, 0).join();
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof ApiException ae && ae.code() == 404)) {
                throw e;
            }
        }
    }

    private static boolean hasFinalizer(ObjectNode crd) {
        for (JsonNode f : crd.path("metadata").path("finalizers")) {
            if (CustomResourceDefinitionStrategy.CLEANUP_FINALIZER.equals(f.asText())) {
                return true;
            }
        }
        return false;
    }

    private void setTerminating(String name, String reason, String message) {
        try {
            definitions.guaranteedUpdate(null, name, cur -> {
                ObjectNode status = cur.get("status") instanceof ObjectNode st ? st : cur.putObject("status");
                CrdConditions.setCondition(status, "Terminating",
                        reason.equals("InstanceDeletionCompleted") ? "False" : "True", reason, message);
                return cur;
            }, Options.Write.DEFAULT, "status", 0).join();
        } catch (CompletionException e) {
            if (!(e.getCause() instanceof ApiException ae && ae.code() == 404)) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        WatchCache.Registration w = watch;
        if (w != null) {
            w.close();
        }
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List.copyOf(served.keySet()).forEach(this::unserve);
    }
}
