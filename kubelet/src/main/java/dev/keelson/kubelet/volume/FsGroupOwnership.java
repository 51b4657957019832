package dev.keelson.kubelet.volume;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Gives a volume to the pod's fsGroup as Kubernetes' SetVolumeOwnership does: every file group-owned by fsGroup and
 * group read-write, every directory also group-searchable and setgid (so new files inherit the group). Applied when
 * the volume's root is not yet the fsGroup's (fsGroupChangePolicy OnRootMismatch), so a sync of a running pod costs
 * one stat.
 */
final class FsGroupOwnership {
    private static final int RW = 0660;
    private static final int DIR_EXTRA = 0110 | 02000;

    private FsGroupOwnership() {}

    static void apply(Path root, long fsGroup) throws IOException {
        if (fsGroup < 0 || fsGroup > Integer.MAX_VALUE) {
            throw new IOException("fsGroup " + fsGroup + " is out of range");
        }
        int gid = (int) fsGroup;
        int rootMode = (int) Files.getAttribute(root, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((int) Files.getAttribute(root, "unix:gid", LinkOption.NOFOLLOW_LINKS) == gid
                && (rootMode & (RW | DIR_EXTRA)) == (RW | DIR_EXTRA)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                own(dir, gid, RW | DIR_EXTRA);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    own(file, gid, RW);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void own(Path p, int gid, int add) throws IOException {
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        int mode = (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:mode", (mode & 07777) | add);
    }
}
