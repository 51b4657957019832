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
        // by hand rather than with regular expressions: a scrape parses one memory.stat of ~35 lines per container
        Map<String, Long> out = new HashMap<>();
        int start = 0;
        int n = text.length();
        while (start < n) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = n;
            }
            int space = text.indexOf(' ', start);
            int second = space < 0 ? -1 : text.indexOf(' ', space + 1);
            if (space > start && space < end && (second < 0 || second >= end)) {
                long value = 0;
                boolean digits = space + 1 < end;
                for (int i = space + 1; i < end && digits; i++) {
                    char c = text.charAt(i);
                    if (c >= '0' && c <= '9' && value < Long.MAX_VALUE / 10) {
                        value = value * 10 + (c - '0');
                    } else {
                        digits = false;
                    }
                }
                if (digits) {
                    out.put(text.substring(start, space), value);
                }
            }
            start = end + 1;
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
