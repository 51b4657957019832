package dev.keelson.kubelet.volume;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Kubernetes' AtomicWriter (pkg/volume/util/atomic_writer.go): a volume's files live in a hidden timestamped
 * directory {@code ..<time>}, {@code ..data} is a symlink to it, and each visible name is a symlink through
 * {@code ..data}. An update writes a new timestamped directory and swaps {@code ..data} with one rename, so a
 * container re-reading its token or CA sees the whole old set or the whole new set, never a mix or half a file.
 */
final class AtomicWriter {
    static final String DATA = "..data";
    private static final String DATA_TMP = "..data_tmp";

    private AtomicWriter() {}

    /** Makes {@code dir} hold exactly {@code files} (relative path to bytes and mode); a no-op when nothing changed. */
    static void write(Path dir, Map<String, FileContent> files) throws IOException {
        Files.createDirectories(dir);
        for (String name : files.keySet()) {
            Path target = dir.resolve(name).normalize();
            if (!target.startsWith(dir) || name.startsWith("..") || name.isEmpty()) {
                throw new dev.keelson.kubelet.runtime.ContainerConfigException(
                        "volume item path escapes the volume: " + name);
            }
        }
        Path current = Files.isSymbolicLink(dir.resolve(DATA)) ? dir.resolve(Files.readSymbolicLink(dir.resolve(DATA)))
                : null;
        if (current != null && unchanged(current, files)) {
            return;
        }
        Path fresh = Files.createTempDirectory(dir, ".." + java.time.Instant.now().toString().replace(':', '_') + ".");
        Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Map.Entry<String, FileContent> f : files.entrySet()) {
            Path p = fresh.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue().bytes());
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(VolumeManager.modeString(f.getValue().mode())));
        }
        Path tmpLink = dir.resolve(DATA_TMP);
        Files.deleteIfExists(tmpLink);
        Files.createSymbolicLink(tmpLink, fresh.getFileName());
        Files.move(tmpLink, dir.resolve(DATA), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Set<String> visible = new HashSet<>();
        for (String name : files.keySet()) {
            String top = Path.of(name).getName(0).toString();
            visible.add(top);
            Path link = dir.resolve(top);
            if (!Files.isSymbolicLink(link)) {
                Files.createSymbolicLink(link, Path.of(DATA).resolve(top));
            }
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                String n = e.getFileName().toString();
                if (n.equals(DATA) || e.equals(fresh)) {
                    continue;
                }
                if (n.startsWith("..") || !visible.contains(n) && Files.isSymbolicLink(e)) {
                    deleteTree(e);
                }
            }
        }
    }

    private static boolean unchanged(Path current, Map<String, FileContent> files) throws IOException {
        Set<Path> present = new HashSet<>();
        try (Stream<Path> walk = Files.walk(current)) {
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(present::add);
        }
        if (present.size() != files.size()) {
            return false;
        }
        for (Map.Entry<String, FileContent> f : files.entrySet()) {
            Path p = current.resolve(f.getKey());
            if (!present.contains(p) || !Arrays.equals(Files.readAllBytes(p), f.getValue().bytes())
                    || !VolumeManager.modeString(f.getValue().mode()).equals(PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(p)))) {
                return false;
            }
        }
        return true;
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isSymbolicLink(p) || !Files.isDirectory(p)) {
            Files.deleteIfExists(p);
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** A file's bytes and permission bits. */
    record FileContent(byte[] bytes, int mode) {}
}
