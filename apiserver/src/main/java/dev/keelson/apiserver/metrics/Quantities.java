package dev.keelson.apiserver.metrics;

/** Kubernetes' canonical quantity strings for the metrics API's CPU (decimal) and memory (binary) usages. */
final class Quantities {
    private Quantities() {}

    /** Nanocores as resource.NewScaledQuantity(n, -9) marshals them: the largest of "", m, u, n that is exact. */
    static String nanoCores(long nanos) {
        if (nanos == 0) {
            return "0";
        }
        if (nanos % 1_000_000_000L == 0) {
            return Long.toString(nanos / 1_000_000_000L);
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "m";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "u";
        }
        return nanos + "n";
    }

    /** Bytes as resource.NewQuantity(b, BinarySI) marshals them: the largest of Ki, Mi, Gi, Ti that is exact. */
    static String bytes(long bytes) {
        String[] suffixes = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        if (bytes == 0 || bytes % 1024 != 0) {
            return Long.toString(bytes);
        }
        long v = bytes;
        int i = -1;
        while (v % 1024 == 0 && i < suffixes.length - 1) {
            v /= 1024;
            i++;
        }
        return v + suffixes[i];
    }

    /** Cores from a decimal CPU quantity ("500m", "12345n", "2"), for tests and readers of the API's answers. */
    static double parseCores(String q) {
        char last = q.charAt(q.length() - 1);
        double scale = switch (last) {
            case 'n' -> 1e-9;
            case 'u' -> 1e-6;
            case 'm' -> 1e-3;
            default -> 1;
        };
        return Double.parseDouble(Character.isDigit(last) ? q : q.substring(0, q.length() - 1)) * scale;
    }
}
