package dev.keelson.kubelet.volume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The kubelet's hostPath type checks (pkg/volume/hostpath checkType): DirectoryOrCreate and FileOrCreate make what is
 * missing (a directory 0755, an empty file 0644, as Kubernetes), the others require the path to be of that type. A
 * mismatch is a {@link VolumeMountException}: a FailedMount event, and no container starts.
 */
public final class HostPathType {
    private HostPathType() {
    }

    public static void check(Path path, String type) throws IOException {
        String t = type == null ? "" : type;
        switch (t) {
            case "" -> {
            }
            case "DirectoryOrCreate" -> {
                if (!Files.exists(path)) {
                    Files.createDirectories(path);
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else if (!Files.isDirectory(path)) {
                    throw new VolumeMountException("hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "Directory" -> {
                if (!Files.exists(path)) {
                    throw new VolumeMountException("hostPath type check failed: " + path + " is not a directory");
                }
                if (!Files.isDirectory(path)) {
                    throw new VolumeMountException("hostPath type check failed: " + path + " is not a directory");
                }
            }
            case "FileOrCreate" -> {
                if (!Files.exists(path)) {
                    Files.createDirectories(path.getParent());
                    Files.createFile(path);
                } else if (!Files.isRegularFile(path)) {
                    throw new VolumeMountException("hostPath type check failed: " + path + " is not a file");
                }
            }
            case "File" -> {
                if (!Files.exists(path)) {
                    throw new VolumeMountException("hostPath type check failed: " + path + " is not a file");
                }
                if (!Files.isRegularFile(path)) {
                    throw new VolumeMountException("hostPath type check failed: " + path + " is not a file");
                }
            }
            case "Socket" -> requireKind(path, "socket", "a socket file");
            case "CharDevice" -> requireKind(path, "char", "a character device");
            case "BlockDevice" -> requireKind(path, "block", "a block device");
            default -> throw new VolumeMountException("hostPath type check failed: unknown type " + t);
        }
    }

    /** Socket and device files: the kind from the file's mode bits (st_mode's S_IFMT). */
    private static void requireKind(Path path, String kind, String what) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !Files.exists(path)) {
            throw new VolumeMountException("hostPath type check failed: " + path + " is not " + what);
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        int format = mode & 0170000;
        boolean ok = switch (kind) {
            case "socket" -> format == 0140000;
            case "char" -> format == 0020000;
            default -> format == 0060000;
        };
        if (!ok) {
            throw new VolumeMountException("hostPath type check failed: " + path + " is not " + what);
        }
    }
}
