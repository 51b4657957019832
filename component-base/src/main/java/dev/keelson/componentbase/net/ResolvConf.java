package dev.keelson.componentbase.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a resolv.conf(5) that a resolver configuration is made of, as glibc reads them: every
 * {@code nameserver}, the last {@code search} (or {@code domain}) line, every {@code options} word.
 */
public record ResolvConf(List<String> nameservers, List<String> searches, List<String> options) {
    /** Files larger than this are not a resolver configuration; only the first part is read. */
    static final int MAX_BYTES = 64 * 1024;

    public static ResolvConf parse(String text) {
        List<String> nameservers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        List<String> options = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] words = line.split("\\s+");
            switch (words[0]) {
                case "nameserver" -> {
                    if (words.length > 1) {
                        nameservers.add(words[1]);
                    }
                }
                case "search", "domain" -> {
                    searches.clear();
                    for (int i = 1; i < words.length && !words[i].startsWith("#"); i++) {
                        searches.add(words[i]);
                    }
                }
                case "options" -> {
                    for (int i = 1; i < words.length; i++) {
                        options.add(words[i]);
                    }
                }
                default -> { }
            }
        }
        return new ResolvConf(List.copyOf(nameservers), List.copyOf(searches), List.copyOf(options));
    }

    /** The file's configuration; an absent or unreadable file is an empty one (as glibc then uses its defaults). */
    public static ResolvConf read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return parse(new String(bytes, 0, Math.min(bytes.length, MAX_BYTES), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new ResolvConf(List.of(), List.of(), List.of());
        }
    }

    /** True for 127.0.0.0/8 and ::1: a host's local resolver, which a pod's network namespace cannot reach. */
    public static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1");
    }
}
