package dev.keelson.apiserver.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** kube-apiserver's compaction of an external etcd, on a real etcd: one interval of history kept, once per tick. */
class EtcdCompactorIntegrationTest {

    @Test
    void compactsToTheRevisionOfThePreviousTickAndTwoApiserversCompactOnce() throws Exception {
        Path dir = Files.createTempDirectory("keelson-compact-");
        try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dir, 0, 0);
             EtcdStorage storage = new EtcdStorage(List.of(etcd.clientUrl()),
                     EtcdOptions.defaults().withTls(etcd.clientTls()), new SimpleMeterRegistry());
             EtcdCompactor first = EtcdCompactor.start(storage, Duration.ofDays(1));
             EtcdCompactor second = EtcdCompactor.start(storage, Duration.ofDays(1))) {
            put(storage, "/registry/configmaps/default/a", 1);
            assertEquals(0, first.tick(), "the first tick only records the revision");
            long recorded = storage.currentRevision().get();
            put(storage, "/registry/configmaps/default/a", 2);
            // the other apiserver's tick loses the swap and compacts nothing
            assertEquals(0, second.tick());
            long compacted = first.tick();
            assertTrue(compacted > 0 && compacted <= recorded, "compacted to " + compacted + ", recorded " + recorded);
            ExecutionException old = assertThrows(ExecutionException.class,
                    () -> storage.range("/registry/configmaps/", null, compacted - 1, 0).get());
            assertTrue(String.valueOf(old.getCause().getMessage()).contains("compacted"), old.getCause().toString());
            assertEquals(1, storage.range("/registry/configmaps/", null, compacted, 0).get().items().size());
        }
    }

    private static void put(EtcdStorage storage, String key, int n) throws Exception {
        storage.txn(List.of(), List.of(EtcdStorage.Write.put(key, ("v" + n).getBytes()))).get();
    }
}
