package dev.keelson.controllermanager.common;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates and deletes a controller has sent but not yet seen in its informer cache, per controller key, so
 * that a sync running before the cache caught up does not create or delete a second time (Kubernetes'
 * ControllerExpectations with UID-tracked deletions). Expectations older than five minutes are ignored, so a
 * lost watch event cannot wedge a controller.
 */
public final class Expectations {
    static final Duration TTL = Duration.ofMinutes(5);

    private static final class Entry {
        int adds;
        final Set<String> deletes = new HashSet<>();
        long timestamp = System.nanoTime();
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** True if every expected create and delete of {@code key} has been observed (or the record expired). */
    public boolean satisfied(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return true;
        }
        synchronized (e) {
            return (e.adds <= 0 && e.deletes.isEmpty()) || System.nanoTime() - e.timestamp > TTL.toNanos();
        }
    }

    public void expectCreations(String key, int count) {
        Entry e = new Entry();
        e.adds = count;
        entries.put(key, e);
    }

    public void expectDeletions(String key, Set<String> uids) {
        Entry e = new Entry();
        e.deletes.addAll(uids);
        entries.put(key, e);
    }

    /** A create was seen in the cache, or failed and will never be seen. */
    public void creationObserved(String key) {
        Entry e = entries.get(key);
        if (e != null) {
            synchronized (e) {
                e.adds--;
            }
        }
    }

    /** The pod with {@code uid} was seen deleted (or marked for deletion), or its delete failed. */
    public void deletionObserved(String key, String uid) {
        Entry e = entries.get(key);
        if (e != null) {
            synchronized (e) {
                e.deletes.remove(uid);
            }
        }
    }

    public void forget(String key) {
        entries.remove(key);
    }
}
