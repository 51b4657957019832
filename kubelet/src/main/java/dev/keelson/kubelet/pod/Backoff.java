package dev.keelson.kubelet.pod;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exponential back-off per key (a crash-looping container, an image that fails to pull): the delay starts at
 * {@code initial}, doubles on each failure up to {@code max}, and is forgotten after {@code resetAfter} of quiet.
 */
public final class Backoff {
    private record Entry(Duration delay, Instant lastUpdate) {}

    private final Duration initial;
    private final Duration max;
    private final Duration resetAfter;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public Backoff(Duration initial, Duration max, Duration resetAfter) {
        this.initial = initial;
        this.max = max;
        this.resetAfter = resetAfter;
    }

    /** Crash-loop back-off as the kubelet has it: 10 s doubling to 5 min, reset after 10 min without a restart. */
    public static Backoff crashLoop() {
        return new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    /** Image pull back-off: 10 s doubling to 5 min. */
    public static Backoff imagePull() {
        return new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    /** Records a failure (or a restart) at {@code now}: the first sets the initial delay, later ones double it. */
    public Duration next(String key, Instant now) {
        Entry e = entries.compute(key, (k, old) -> {
            if (old == null || Duration.between(old.lastUpdate, now).compareTo(resetAfter) > 0) {
                return new Entry(initial, now);
            }
            Duration doubled = old.delay.multipliedBy(2);
            return new Entry(doubled.compareTo(max) > 0 ? max : doubled, now);
        });
        return e.delay;
    }

    /** The current delay for the key, or zero when it has none. */
    public Duration delay(String key) {
        Entry e = entries.get(key);
        return e == null ? Duration.ZERO : e.delay;
    }

    /** True while {@code now} is within the key's delay counted from {@code since}. */
    public boolean inBackoffSince(String key, Instant since, Instant now) {
        Entry e = entries.get(key);
        if (e == null || since == null) {
            return false;
        }
        if (Duration.between(e.lastUpdate, now).compareTo(resetAfter) > 0) {
            return false;
        }
        return now.isBefore(since.plus(e.delay));
    }

    /** Time left in back-off, or zero. */
    public Duration remaining(String key, Instant since, Instant now) {
        Entry e = entries.get(key);
        if (e == null || since == null) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(now, since.plus(e.delay));
        return left.isNegative() ? Duration.ZERO : left;
    }

    public void reset(String key) {
        entries.remove(key);
    }

    /** Forgets every key with the prefix (a pod that went away). */
    public void forgetPrefix(String prefix) {
        entries.keySet().removeIf(k -> k.startsWith(prefix));
    }
}
