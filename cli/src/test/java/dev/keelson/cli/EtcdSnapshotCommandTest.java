package dev.keelson.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * `keelson etcd-snapshot save|list|restore` on a real etcd laid out as `keelson server` lays it out: a snapshot
 * saved while it runs, restored into the stopped server's data dir, brings back exactly the data of that moment.
 */
class EtcdSnapshotCommandTest {

    @Test
    void savedSnapshotIsListedAndRestoresTheDataOfItsMoment() throws Exception {
        Path dataDir = Files.createTempDirectory("keelson-snapshot-cli-");
        EmbeddedEtcd.Config config = new EmbeddedEtcd.Config(dataDir.resolve("etcd"), dataDir.resolve("pki"), null, 0, 0);
        String snapshot;
        try (EmbeddedEtcd etcd = EmbeddedEtcd.start(config); EtcdStorage storage = storage(etcd)) {
            put(storage, "/registry/configmaps/default/before", "1");
            Result saved = keelson("etcd-snapshot", "save", "--data-dir", dataDir.toString(), "--node-name", "n1");
            assertEquals(0, saved.code(), saved.err());
            assertTrue(saved.out().matches("Snapshot on-demand-n1-\\d+ saved.\\s*"), saved.out());
            snapshot = saved.out().split(" ")[1];
            put(storage, "/registry/configmaps/default/after", "2");
        }
        Result list = keelson("etcd-snapshot", "list", "--data-dir", dataDir.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().startsWith("Name"), list.out());
        assertTrue(list.out().contains(snapshot), list.out());

        Result restored = keelson("etcd-snapshot", "restore", "--data-dir", dataDir.toString(), snapshot);
        assertEquals(0, restored.code(), restored.err());
        assertTrue(restored.out().contains("the previous etcd data is in"), restored.out());

        try (EmbeddedEtcd etcd = EmbeddedEtcd.start(config); EtcdStorage storage = storage(etcd)) {
            Optional<EtcdStorage.KeyValue> before = storage.get("/registry/configmaps/default/before").get();
            assertTrue(before.isPresent(), "the snapshot's key is back");
            assertEquals("1", new String(before.get().value()));
            assertFalse(storage.get("/registry/configmaps/default/after").get().isPresent(),
                    "a key written after the snapshot is not");
        }
    }

    @Test
    void restoreRefusesWhileEtcdRunsAndNamesIt() throws Exception {
        Path dataDir = Files.createTempDirectory("keelson-snapshot-busy-");
        EmbeddedEtcd.Config config = new EmbeddedEtcd.Config(dataDir.resolve("etcd"), dataDir.resolve("pki"), null, 0, 0);
        try (EmbeddedEtcd etcd = EmbeddedEtcd.start(config)) {
            Result saved = keelson("etcd-snapshot", "save", "--data-dir", dataDir.toString());
            assertEquals(0, saved.code(), saved.err());
            Result restored = keelson("etcd-snapshot", "restore", "--data-dir", dataDir.toString(),
                    saved.out().split(" ")[1]);
            assertEquals(1, restored.code(), restored.out());
            assertTrue(restored.err().contains("in use by [pid " + etcd.pid()), restored.err());
        }
    }

    private static EtcdStorage storage(EmbeddedEtcd etcd) {
        return new EtcdStorage(List.of(etcd.clientUrl()), EtcdOptions.defaults().withTls(etcd.clientTls()),
                new SimpleMeterRegistry());
    }

    private static void put(EtcdStorage storage, String key, String value) throws Exception {
        storage.txn(List.of(), List.of(EtcdStorage.Write.put(key, value.getBytes()))).get();
    }

    record Result(int code, String out, String err) {}

    private static Result keelson(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Keelson());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
