package dev.keelson.apiserver.etcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the processes that hold files of an etcd data dir open (an etcd left over from a crashed server keeps its
 * bolt database locked, and a second etcd on the same dir would wait for that lock forever), by reading /proc.
 */
final class DataDirHolders {
    private DataDirHolders() {
    }

    /** A process and its command line. */
    record Holder(long pid, String commandLine) {
        @Override
        public String toString() {
            return "pid " + pid + " (" + commandLine + ")";
        }
    }

    static List<Holder> of(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        long self = ProcessHandle.current().pid();
        List<Holder> holders = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isPid(p.getFileName()))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid != self && holdsFileUnder(proc, dir)) {
                    holders.add(new Holder(pid, commandLine(proc)));
                }
            }
        } catch (IOException e) {
            // no /proc: nothing to report
        }
        return holders;
    }

    private static boolean isPid(Path name) {
        return name.toString().chars().allMatch(Character::isDigit);
    }

    private static boolean holdsFileUnder(Path proc, Path dir) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).startsWith(dir)) {
                        return true;
                    }
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }
        } catch (IOException | SecurityException ignored) {
            // exited meanwhile, or not ours to read
        }
        return false;
    }

    private static String commandLine(Path proc) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
