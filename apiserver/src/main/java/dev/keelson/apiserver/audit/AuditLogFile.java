package dev.keelson.apiserver.audit;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The audit log file with kube-apiserver's size-based rotation (lumberjack's, behind {@code --audit-log-maxsize},
 * {@code -maxbackup}, {@code -maxage}): a write that would pass maxsize megabytes renames the file to
 * {@code NAME-<UTC time 2006-01-02T15-04-05.000>.EXT} and starts a new one; backups past maxbackup or older than
 * maxage days are deleted (0: no limit). Used by one writer thread only.
 */
final class AuditLogFile implements AutoCloseable {
    static final DateTimeFormatter BACKUP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS")
            .withZone(ZoneOffset.UTC);
    private final Path path;
    private final long maxBytes;
    private final int maxBackups;
    private final int maxAgeDays;
    private final Clock clock;
    private OutputStream out;
    private long size;

    AuditLogFile(Path path, int maxSizeMegabytes, int maxBackups, int maxAgeDays, Clock clock) {
        this.path = path;
        this.maxBytes = maxSizeMegabytes <= 0 ? Long.MAX_VALUE : maxSizeMegabytes * 1024L * 1024L;
        this.maxBackups = maxBackups;
        this.maxAgeDays = maxAgeDays;
        this.clock = clock;
    }

    void write(byte[] line) throws IOException {
        if (out == null) {
            open();
        }
        if (size > 0 && size + line.length > maxBytes) {
            rotate();
        }
        out.write(line);
        size += line.length;
    }

    void flush() throws IOException {
        if (out != null) {
            out.flush();
        }
    }

    private void open() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        if (!Files.exists(path)) {
            Files.createFile(path, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        }
        size = Files.size(path);
        out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
                64 * 1024);
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        Files.move(path, backupName(clock.instant()));
        prune();
        open();
    }

    Path backupName(Instant t) {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        return path.resolveSibling(base + "-" + BACKUP_TIME.format(t) + ext);
    }

    /** The backups of this log, newest first (by the time in their names). */
    List<Path> backups() throws IOException {
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = (dot > 0 ? name.substring(0, dot) : name) + "-";
        String ext = dot > 0 ? name.substring(dot) : "";
        List<Path> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(path.toAbsolutePath().getParent())) {
            files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(base) && n.endsWith(ext) && timeOf(p, base, ext) != null;
            }).forEach(out::add);
        }
        out.sort((a, b) -> timeOf(b, base, ext).compareTo(timeOf(a, base, ext)));
        return out;
    }

    private static Instant timeOf(Path p, String base, String ext) {
        String n = p.getFileName().toString();
        if (n.length() < base.length() + ext.length()) {
            return null;
        }
        try {
            return Instant.from(BACKUP_TIME.parse(n.substring(base.length(), n.length() - ext.length())));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void prune() throws IOException {
        List<Path> backups = backups();
        Instant oldest = maxAgeDays > 0 ? clock.instant().minus(Duration.ofDays(maxAgeDays)) : null;
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = (dot > 0 ? name.substring(0, dot) : name) + "-";
        String ext = dot > 0 ? name.substring(dot) : "";
        for (int i = 0; i < backups.size(); i++) {
            Path b = backups.get(i);
            if (maxBackups > 0 && i >= maxBackups || oldest != null && timeOf(b, base, ext).isBefore(oldest)) {
                Files.deleteIfExists(b);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }
}
