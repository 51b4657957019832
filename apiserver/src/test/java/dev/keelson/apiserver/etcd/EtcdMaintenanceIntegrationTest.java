package dev.keelson.apiserver.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The server's care of its etcd, on a real etcd: defragmentation gives space back; retention prunes the oldest. */
class EtcdMaintenanceIntegrationTest {

    @Test
    void defragmentationShrinksADatabaseWhoseDataWasDeletedAndCompacted() throws Exception {
        Path dir = Files.createTempDirectory("keelson-defrag-");
        try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dir, 0, 0);
             EtcdStorage storage = new EtcdStorage(List.of(etcd.clientUrl()),
                     EtcdOptions.defaults().withTls(etcd.clientTls()), new SimpleMeterRegistry())) {
            EtcdMaintenance maintenance = new EtcdMaintenance(storage.client(), etcd.clientUrl(),
                    new EtcdMaintenance.Schedule(Duration.ZERO, 0, dir.resolve("snapshots"), "n", Duration.ZERO));
            byte[] value = new byte[64 * 1024];
            for (int batch = 0; batch < 20; batch++) {
                List<EtcdStorage.Write> puts = new java.util.ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    puts.add(EtcdStorage.Write.put("/registry/configmaps/x/" + batch + "-" + i, value));
                }
                storage.txn(List.of(), puts).get();
            }
            storage.client().getKVClient().delete(io.etcd.jetcd.ByteSequence.from("/registry/configmaps/x/".getBytes()),
                    io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build()).get();
            storage.client().getKVClient().compact(storage.currentRevision().get(),
                    io.etcd.jetcd.options.CompactOption.builder().withCompactPhysical(true).build()).get();
            EtcdMaintenance.DbSize before = maintenance.dbSize();
            EtcdMaintenance.DbSize after = maintenance.defragment();
            assertTrue(after.size() < before.size() / 2, "database " + before + " -> " + after);
            // nothing left to give back: the next check skips
            EtcdMaintenance.DbSize[] again = maintenance.defragmentIfFragmented();
            assertEquals(again[0], again[1]);
        }
    }

    @Test
    void retentionPrunesTheOldestScheduledSnapshotsOnly() throws Exception {
        Path dir = Files.createTempDirectory("keelson-retention-");
        Instant t = Instant.now().minusSeconds(1000);
        for (int i = 0; i < 4; i++) {
            Path f = Files.writeString(dir.resolve("etcd-snapshot-n1-" + (1000 + i)), "x");
            Files.setLastModifiedTime(f, FileTime.from(t.plusSeconds(i)));
        }
        Path onDemand = Files.writeString(dir.resolve("on-demand-n1-999"), "x");
        Files.setLastModifiedTime(onDemand, FileTime.from(t.minusSeconds(10)));
        List<EtcdSnapshots.Snapshot> deleted = EtcdSnapshots.prune(dir, 2);
        assertEquals(List.of("etcd-snapshot-n1-1000", "etcd-snapshot-n1-1001"),
                deleted.stream().map(s -> s.file().getFileName().toString()).toList());
        assertEquals(List.of("on-demand-n1-999", "etcd-snapshot-n1-1002", "etcd-snapshot-n1-1003"),
                EtcdSnapshots.list(dir).stream().map(s -> s.file().getFileName().toString()).toList());
    }
}
