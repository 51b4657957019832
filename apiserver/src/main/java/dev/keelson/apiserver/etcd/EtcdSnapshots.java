package dev.keelson.apiserver.etcd;

import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * etcd snapshots as k3s keeps them: files {@code <name>-<node>-<unix seconds>} in one directory (taken with etcd's
 * maintenance snapshot call, so consistent without stopping anything), the oldest scheduled ones pruned past a
 * retention count, and a restore into a stopped server's data dir with etcd's own {@code snapshot restore}.
 */
public final class EtcdSnapshots {
    /** The prefix of scheduled snapshots, which retention prunes; on-demand ones are named by the user. */
    public static final String SCHEDULED = "etcd-snapshot";
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private EtcdSnapshots() {
    }

    /** A snapshot file. */
    public record Snapshot(Path file, long size, Instant created) {}

    /** Saves a snapshot of {@code client}'s etcd as {@code dir/<name>-<node>-<unix seconds>}. */
    public static Snapshot save(Client client, Path dir, String name, String node) {
        try {
            EtcdPki.privateDir(dir);
            Instant now = Instant.now();
            Path file = dir.resolve(name + "-" + node + "-" + now.getEpochSecond());
            Path part = dir.resolve(file.getFileName() + ".part");
            try (OutputStream out = Files.newOutputStream(part)) {
                client.getMaintenanceClient().snapshot(out).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                Files.deleteIfExists(part);
                throw new IllegalStateException("etcd snapshot failed: " + (e.getCause() != null
                        ? e.getCause().getMessage() : e.getMessage()), e);
            }
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
            return new Snapshot(file, Files.size(file), now);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the snapshot: " + e.getMessage(), e);
        }
    }

    /** The snapshots in {@code dir}, oldest first. */
    public static List<Snapshot> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Snapshot> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".part")).toList()) {
                out.add(new Snapshot(f, Files.size(f), Files.getLastModifiedTime(f).toInstant()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(Comparator.comparing(Snapshot::created).thenComparing(s -> s.file().toString()));
        return out;
    }

    /** Deletes the oldest scheduled snapshots so that {@code retention} remain; returns the deleted ones. */
    public static List<Snapshot> prune(Path dir, int retention) {
        List<Snapshot> scheduled = new ArrayList<>(list(dir).stream()
                .filter(s -> s.file().getFileName().toString().startsWith(SCHEDULED + "-")).toList());
        List<Snapshot> deleted = new ArrayList<>();
        while (scheduled.size() > Math.max(retention, 0)) {
            Snapshot oldest = scheduled.remove(0);
            try {
                Files.deleteIfExists(oldest.file());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            deleted.add(oldest);
        }
        return deleted;
    }

    /**
     * Restores {@code snapshot} as the data of the embedded etcd whose dir is {@code etcdDir} (the server must be
     * stopped): the current data moves aside to {@code data.before-restore-<unix seconds>}. Returns that path.
     */
    public static Path restore(Path snapshot, Path etcdDir) {
        Path data = etcdDir.resolve("data");
        List<DataDirHolders.Holder> holders = DataDirHolders.of(data);
        if (!holders.isEmpty()) {
            throw new IllegalStateException("the etcd data dir " + data + " is in use by " + holders
                    + ": stop the server first");
        }
        if (!Files.isRegularFile(snapshot)) {
            throw new IllegalArgumentException("no snapshot file " + snapshot);
        }
        Path restoring = etcdDir.resolve("data.restoring");
        Path aside = etcdDir.resolve("data.before-restore-" + Instant.now().getEpochSecond());
        try {
            deleteTree(restoring);
            List<String> cmd = List.of(tool(), "snapshot", "restore", snapshot.toString(), "--data-dir",
                    restoring.toString(), "--name", "keelson", "--initial-cluster", "keelson=https://127.0.0.1:2380",
                    "--initial-advertise-peer-urls", "https://127.0.0.1:2380");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                deleteTree(restoring);
                throw new IllegalStateException("etcd snapshot restore failed: " + out.trim());
            }
            if (Files.exists(data)) {
                Files.move(data, aside, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(restoring, data, StandardCopyOption.ATOMIC_MOVE);
            EtcdPki.privateDir(data);
            return aside;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** etcd 3.5+ restores with etcdutl; 3.4's etcdctl still does it. */
    private static String tool() {
        for (String candidate : List.of("/usr/bin/etcdutl", "/usr/local/bin/etcdutl", "/usr/bin/etcdctl",
                "/usr/local/bin/etcdctl")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("neither etcdutl nor etcdctl is installed (Debian: etcd-client)");
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
