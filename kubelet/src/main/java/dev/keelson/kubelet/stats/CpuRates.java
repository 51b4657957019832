package dev.keelson.kubelet.stats;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * usageNanoCores needs two readings of a cumulative counter: the last reading of each container (and of the node and
 * each pod) is kept, and a new reading at least {@link #MIN_INTERVAL_NANOS} later gives a new rate; a reading sooner
 * than that (two scrapers at once) reuses the last rate rather than dividing by a tiny interval. A counter that went
 * back (a restarted container in the same cgroup) starts over.
 */
public final class CpuRates {
    static final long MIN_INTERVAL_NANOS = 1_000_000_000L;

    private record Reading(long timeNanos, long cpuNanos, Long rate) {}

    private final Map<String, Reading> last = new ConcurrentHashMap<>();

    /** The rate in nanocores for {@code key} given a new reading, or null when there is no earlier one. */
    public Long rate(String key, long timeNanos, long cpuNanos) {
        Reading before = last.get(key);
        if (before != null && timeNanos - before.timeNanos < MIN_INTERVAL_NANOS && cpuNanos >= before.cpuNanos) {
            return before.rate;
        }
        Long rate = null;
        if (before != null && cpuNanos >= before.cpuNanos && timeNanos > before.timeNanos) {
            rate = (long) ((double) (cpuNanos - before.cpuNanos) * 1e9 / (timeNanos - before.timeNanos));
        }
        last.put(key, new Reading(timeNanos, cpuNanos, rate));
        return rate;
    }

    /** Forgets everything but these keys (containers and pods that are gone). */
    public void retain(Set<String> keys) {
        last.keySet().retainAll(keys);
    }
}
