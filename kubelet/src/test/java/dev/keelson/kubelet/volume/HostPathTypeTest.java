package dev.keelson.kubelet.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostPathTypeTest {
    @TempDir
    Path dir;

    private static String failure(Path path, String type) {
        return assertThrows(VolumeMountException.class, () -> HostPathType.check(path, type)).getMessage();
    }

    @Test
    void orCreateTypesMakeWhatIsMissing() throws Exception {
        HostPathType.check(dir.resolve("a/b"), "DirectoryOrCreate");
        assertTrue(Files.isDirectory(dir.resolve("a/b")));
        HostPathType.check(dir.resolve("c/file"), "FileOrCreate");
        assertTrue(Files.isRegularFile(dir.resolve("c/file")));
    }

    @Test
    void mismatchesAreRefusedWithKubernetesMessages() throws Exception {
        Path file = Files.createFile(dir.resolve("f"));
        assertEquals("hostPath type check failed: " + file + " is not a directory", failure(file, "Directory"));
        assertEquals("hostPath type check failed: " + file + " is not a directory", failure(file,
                "DirectoryOrCreate"));
        assertEquals("hostPath type check failed: " + dir + " is not a file", failure(dir, "File"));
        assertEquals("hostPath type check failed: " + dir.resolve("none") + " is not a file",
                failure(dir.resolve("none"), "File"));
        assertEquals("hostPath type check failed: " + file + " is not a socket file", failure(file, "Socket"));
        assertEquals("hostPath type check failed: " + file + " is not a character device", failure(file,
                "CharDevice"));
        assertEquals("hostPath type check failed: /dev/null is not a block device", failure(Path.of("/dev/null"),
                "BlockDevice"));
        HostPathType.check(Path.of("/dev/null"), "CharDevice");
        HostPathType.check(file, "");
    }
}
