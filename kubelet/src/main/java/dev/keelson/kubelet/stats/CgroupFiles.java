package dev.keelson.kubelet.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Parsers of the kernel's flat "key value" files (memory.stat, cpu.stat) and of /proc/PID/net/dev. */
public final class CgroupFiles {
    private CgroupFiles() {}

    /** "key value" lines; lines that are not two fields with a number are skipped. A missing file is empty. */
    public static Map<String, Long> keyValues(Path file) {
        try {
            return parseKeyValues(Files.readString(file));
        } catch (IOException | SecurityException e) {
            return Map.of();
        }
    }

    static Map<String, Long> parseKeyValues(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // a field that is not a counter (none in today's kernels): not ours to report
                }
            }
        }
        return out;
    }

    /** One interface's counters from /proc/net/dev. */
    public record Interface(String name, long rxBytes, long rxErrors, long txBytes, long txErrors) {}

    /** Interfaces of /proc/PID/net/dev (the network namespace of that process), loopback left out. */
    public static java.util.List<Interface> netDev(Path file) {
        try {
            return parseNetDev(Files.readString(file));
        } catch (IOException | SecurityException e) {
            return java.util.List.of();
        }
    }

    static java.util.List<Interface> parseNetDev(String text) {
        java.util.List<Interface> out = new java.util.ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs ...
            if (name.equals("lo") || f.length < 11) {
                continue;
            }
            try {
                out.add(new Interface(name, Long.parseLong(f[0]), Long.parseLong(f[2]), Long.parseLong(f[8]),
                        Long.parseLong(f[10])));
            } catch (NumberFormatException ignored) {
                // a header line
            }
        }
        return out;
    }
}
