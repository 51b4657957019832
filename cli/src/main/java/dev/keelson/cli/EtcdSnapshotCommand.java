package dev.keelson.cli;

import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.apiserver.etcd.EtcdSnapshots;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.EtcdTls;
import dev.keelson.componentbase.tls.CertificateAuthority;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * `keelson etcd-snapshot save|list|restore`, as k3s's: snapshots of the server's etcd in
 * {@code <data-dir>/etcd/snapshots} (where `keelson server` also saves its scheduled ones).
 */
@Command(name = "etcd-snapshot", mixinStandardHelpOptions = true,
        description = "Save, list and restore snapshots of the server's etcd.",
        subcommands = {EtcdSnapshotCommand.Save.class, EtcdSnapshotCommand.ListSnapshots.class,
                EtcdSnapshotCommand.Restore.class})
public final class EtcdSnapshotCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The options every subcommand shares. */
    static class Common {
        @Option(names = "--data-dir", defaultValue = "/var/lib/keelson",
                description = "The server's data dir. Default: ${DEFAULT-VALUE}.")
        Path dataDir;

        @Option(names = "--dir", description = "Snapshot directory. Default: <data-dir>/etcd/snapshots.")
        Path dir;

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        Path snapshotDir() {
            return dir != null ? dir : dataDir.resolve("etcd/snapshots");
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "save", mixinStandardHelpOptions = true, description = "Save a snapshot of the running etcd.")
    static final class Save extends Common implements Callable<Integer> {
        @Option(names = "--name", defaultValue = "on-demand", description = "Snapshot name prefix. Default: ${DEFAULT-VALUE}.")
        String name;

        @Option(names = "--node-name", description = "Node name in the file name. Default: the host name.")
        String nodeName;

        @Option(names = "--etcd-servers", split = ",", description = "An external etcd instead of the server's own.")
        List<String> etcdServers;

        @Option(names = "--etcd-cafile", description = "With --etcd-servers: the CA of etcd's certificate.")
        Path caFile;

        @Option(names = "--etcd-certfile", description = "With --etcd-servers: the client certificate.")
        Path certFile;

        @Option(names = "--etcd-keyfile", description = "With --etcd-servers: the client key.")
        Path keyFile;

        @Override
        public Integer call() throws IOException {
            List<String> endpoints = etcdServers;
            EtcdTls tls = caFile != null ? new EtcdTls(caFile, certFile, keyFile) : null;
            if (endpoints == null || endpoints.isEmpty()) {
                Path endpoint = dataDir.resolve("etcd").resolve(EmbeddedEtcd.ENDPOINT_FILE);
                if (!Files.exists(endpoint)) {
                    throw new IllegalStateException("no etcd of a server under " + dataDir + " (" + endpoint
                            + " is missing): is --data-dir right and the server running?");
                }
                endpoints = List.of(Files.readString(endpoint).trim());
                Path pki = dataDir.resolve("pki");
                tls = new EtcdTls(pki.resolve("etcd/ca.crt"), pki.resolve("apiserver-etcd-client.crt"),
                        pki.resolve("apiserver-etcd-client.key"));
            }
            try (EtcdStorage etcd = new EtcdStorage(endpoints, EtcdOptions.defaults().withTls(tls),
                    new SimpleMeterRegistry())) {
                EtcdSnapshots.Snapshot s = EtcdSnapshots.save(etcd.client(), snapshotDir(), name,
                        nodeName != null ? nodeName : CertificateAuthority.hostName());
                out().printf("Snapshot %s saved.%n", s.file().getFileName());
                out().flush();
            }
            return 0;
        }
    }

    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List the snapshots.")
    static final class ListSnapshots extends Common implements Callable<Integer> {
        @Override
        public Integer call() {
            List<EtcdSnapshots.Snapshot> all = EtcdSnapshots.list(snapshotDir());
            int width = Math.max(4, all.stream().mapToInt(s -> s.file().getFileName().toString().length()).max()
                    .orElse(0));
            String row = "%-" + width + "s  %-" + Math.max(8, snapshotDir().toUri().toString().length() + 40)
                    + "s  %-10s  %s%n";
            out().printf(row, "Name", "Location", "Size", "Created");
            for (EtcdSnapshots.Snapshot s : all) {
                out().printf(row, s.file().getFileName(), s.file().toUri(), s.size(), s.created());
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore a snapshot as the data of a stopped server's etcd (the old data is kept aside).")
    static final class Restore extends Common implements Callable<Integer> {
        @Parameters(paramLabel = "SNAPSHOT", description = "A snapshot file, or a name from `list`.")
        Path snapshot;

        @Override
        public Integer call() {
            Path file = Files.exists(snapshot) ? snapshot : snapshotDir().resolve(snapshot.toString());
            Path aside = EtcdSnapshots.restore(file, dataDir.resolve("etcd"));
            out().printf("Restored %s; the previous etcd data is in %s. Start the server again.%n", file, aside);
            out().flush();
            return 0;
        }
    }
}
