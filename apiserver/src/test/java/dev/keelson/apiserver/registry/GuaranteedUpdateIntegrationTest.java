package dev.keelson.apiserver.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.WatchCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates first try the watch cache's copy of the object; these tests freeze the cache so its copy is stale and check
 * that nothing a stale copy could cause reaches the caller or etcd (a real etcd underneath).
 */
class GuaranteedUpdateIntegrationTest {
    @TempDir
    Path dir;
    EmbeddedEtcd etcd;
    EtcdStorage storage;
    WatchCache cache;
    GenericStore store;
    String key;

    @BeforeEach
    void start() throws Exception {
        etcd = EmbeddedEtcd.start(dir.resolve("etcd"), 0, 0);
        storage = new EtcdStorage(List.of(etcd.clientUrl()),
                dev.keelson.apiserver.storage.EtcdOptions.defaults().withTls(etcd.clientTls()), new SimpleMeterRegistry());
        Resources resources = Resources.builtIn(new PodStrategy(),
                new ServiceStrategy(storage, "10.96.0.0/12", 30000, 32767));
        ResourceType configMaps = resources.find("", "v1", "configmaps");
        cache = new WatchCache(configMaps.prefix(), storage, Json.MAPPER);
        cache.start().get(30, TimeUnit.SECONDS);
        store = new GenericStore(configMaps, storage, cache, dev.keelson.apiserver.admission.AdmissionChain.NONE, null);
        key = configMaps.key("default", "settings");
        ObjectNode cm = Json.MAPPER.createObjectNode();
        cm.putObject("metadata").put("name", "settings");
        cm.putObject("data").put("a", "1");
        ObjectNode created = store.create("default", cm, Options.Write.DEFAULT).get(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (cache.get(key) == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(created.path("metadata").path("resourceVersion"),
                cache.get(key).path("metadata").path("resourceVersion"), "the cache has the object");
        cache.close();
        // from here on the cache's copy stays at data {a: 1} whatever etcd holds
        store.guaranteedUpdate("default", "settings", cur -> put(cur, "b", "2"), Options.Write.DEFAULT, null, 0)
                .get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        storage.close();
        etcd.close();
    }

    static ObjectNode put(ObjectNode cm, String k, String v) {
        ((ObjectNode) cm.get("data")).put(k, v);
        return cm;
    }

    ObjectNode stored() throws Exception {
        return store.get("default", "settings").get(30, TimeUnit.SECONDS);
    }

    @Test
    void updateOnAStaleCachedCopyIsRedoneOnTheStoredObject() throws Exception {
        ObjectNode result = store.guaranteedUpdate("default", "settings", cur -> put(cur, "c", "3"),
                Options.Write.DEFAULT, null, 0).get(30, TimeUnit.SECONDS);
        assertEquals("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", result.get("data").toString());
        assertEquals("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", stored().get("data").toString());
        assertEquals(stored().path("metadata").path("resourceVersion"), result.path("metadata").path("resourceVersion"));
    }

    @Test
    void preconditionOnTheCurrentVersionSucceedsThoughTheCacheIsBehind() throws Exception {
        long current = Long.parseLong(stored().path("metadata").path("resourceVersion").asText());
        ObjectNode result = store.guaranteedUpdate("default", "settings", cur -> put(cur, "c", "3"),
                Options.Write.DEFAULT, null, current).get(30, TimeUnit.SECONDS);
        assertEquals("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", result.get("data").toString());
    }

    @Test
    void preconditionOnTheCachedVersionIsAConflict() throws Exception {
        long cached = Long.parseLong(cache.get(key).path("metadata").path("resourceVersion").asText());
        ExecutionException e = assertThrows(ExecutionException.class, () -> store.guaranteedUpdate("default",
                "settings", cur -> put(cur, "c", "3"), Options.Write.DEFAULT, null, cached).get(30, TimeUnit.SECONDS));
        ApiException conflict = assertInstanceOf(ApiException.class, e.getCause());
        assertEquals(409, conflict.code());
        assertEquals("{\"a\":\"1\",\"b\":\"2\"}", stored().get("data").toString(), "nothing written");
    }

    @Test
    void errorSeenOnlyOnTheStaleCopyIsNotReported() throws Exception {
        // valid on the stored object (which has b), refused on the stale copy (which has not)
        ObjectNode result = store.guaranteedUpdate("default", "settings", cur -> {
            if (!cur.get("data").has("b")) {
                throw ApiException.badRequest("no b yet");
            }
            return put(cur, "c", "3");
        }, Options.Write.DEFAULT, null, 0).get(30, TimeUnit.SECONDS);
        assertEquals("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}", result.get("data").toString());
    }

    @Test
    void updateThatChangesNothingOnTheStaleCopyStillAppliesToTheStoredObject() throws Exception {
        // removing b is a no-op on the stale copy, a real change on the stored object
        ObjectNode result = store.guaranteedUpdate("default", "settings", cur -> {
            ((ObjectNode) cur.get("data")).remove("b");
            return cur;
        }, Options.Write.DEFAULT, null, 0).get(30, TimeUnit.SECONDS);
        assertEquals("{\"a\":\"1\"}", result.get("data").toString());
        assertEquals("{\"a\":\"1\"}", stored().get("data").toString());
    }
}
