package dev.keelson.apiserver.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resource's in-memory copy of etcd plus a window of recent events, fed by a single etcd watch, as
 * kube-apiserver's cacher: it serves lists and watches so that N watchers cost one etcd watch.
 */
public final class WatchCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchCache.class);
    static final int WINDOW = 20_000;

    public enum EventType { ADDED, MODIFIED, DELETED }

    /** A change to one object; {@code object} carries the event's resourceVersion. */
    public record Event(EventType type, String key, ObjectNode object, ObjectNode oldObject, long revision) {}

    /** Receives events in revision order; must not block. */
    public interface Sink {
        void onEvent(Event event);

        /** The cache can no longer serve this watcher (re-initialised, closing): end the stream. */
        void onTerminated(String reason);
    }

    /** A watcher's handle. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    /** A consistent copy of the cache's objects at one revision. */
    public record Snapshot(List<ObjectNode> objects, long revision) {}

    /** The requested revision is older than the window: the client must relist (410 Gone). */
    public static final class TooOldException extends Exception {
        public final long requested;
        public final long oldest;

        TooOldException(long requested, long oldest) {
            super("too old resource version: " + requested + " (" + oldest + ")");
            this.requested = requested;
            this.oldest = oldest;
        }
    }

    private final String prefix;
    private final EtcdStorage storage;
    private final ObjectMapper mapper;
    private final UnaryOperator<ObjectNode> fromStorage;
    private final TreeMap<String, ObjectNode> objects = new TreeMap<>();
    private final ArrayDeque<Event> window = new ArrayDeque<>();
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final List<RevisionWaiter> waiters = new ArrayList<>();
    private long revision;
    private long oldestRevision; // events after this revision are all in the window
    private Watch.Watcher etcdWatch;
    private volatile boolean closed;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    private record RevisionWaiter(long revision, CompletableFuture<Void> future) {}

    private final class Watcher implements Registration {
        final Sink sink;

        Watcher(Sink sink) {
            this.sink = sink;
        }

        @Override
        public void close() {
            watchers.remove(this);
        }
    }

    public WatchCache(String prefix, EtcdStorage storage, ObjectMapper mapper) {
        this(prefix, storage, mapper, UnaryOperator.identity());
    }

    /**
     * A cache whose objects pass through {@code fromStorage} when read from etcd: the versions of a custom resource
     * share one prefix and each serves the objects with its own apiVersion (conversion None).
     */
    public WatchCache(String prefix, EtcdStorage storage, ObjectMapper mapper, UnaryOperator<ObjectNode> fromStorage) {
        this.prefix = prefix;
        this.storage = storage;
        this.mapper = mapper;
        this.fromStorage = fromStorage;
    }

    /** An object just read from etcd, as this cache's resource serves it. */
    public ObjectNode fromStorage(ObjectNode obj) {
        return fromStorage.apply(obj);
    }

    public CompletableFuture<Void> start() {
        initialise();
        return ready;
    }

    public CompletableFuture<Void> ready() {
        return ready;
    }

    private void initialise() {
        if (closed) {
            return;
        }
        listAll(null, 0, new TreeMap<>()).whenComplete((snapshot, error) -> {
            if (error != null) {
                LOG.warn("watch cache {}: list failed, retrying: {}", prefix, error.getMessage());
                retryLater();
                return;
            }
            List<Watcher> dropped;
            synchronized (this) {
                objects.clear();
                objects.putAll(snapshot.objects);
                window.clear();
                revision = snapshot.revision;
                oldestRevision = snapshot.revision;
                dropped = new ArrayList<>(watchers);
                watchers.clear();
                completeWaiters();
            }
            dropped.forEach(w -> w.sink.onTerminated("watch cache re-initialised"));
            etcdWatch = storage.watch(prefix, snapshot.revision + 1, this::onWatchResponse, this::onWatchError);
            ready.complete(null);
        });
    }

    private record Listed(TreeMap<String, ObjectNode> objects, long revision) {}

    private CompletableFuture<Listed> listAll(String from, long atRevision, TreeMap<String, ObjectNode> acc) {
        return storage.range(prefix, from, atRevision, 5000).thenCompose(page -> {
            for (EtcdStorage.KeyValue kv : page.items()) {
                acc.put(kv.key(), decode(kv.value(), kv.modRevision()));
            }
            if (page.more() && !page.items().isEmpty()) {
                String last = page.items().get(page.items().size() - 1).key();
                return listAll(last + "\0", page.revision(), acc);
            }
            return CompletableFuture.completedFuture(new Listed(acc, page.revision()));
        });
    }

    private void retryLater() {
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(this::initialise);
    }

    private void onWatchError(Throwable error) {
        if (closed) {
            return;
        }
        LOG.warn("watch cache {}: etcd watch failed ({}), re-listing", prefix, error.getMessage());
        if (etcdWatch != null) {
            etcdWatch.close();
        }
        retryLater();
    }

    private void onWatchResponse(WatchResponse response) {
        List<Event> events = new ArrayList<>(response.getEvents().size());
        synchronized (this) {
            for (WatchEvent we : response.getEvents()) {
                EtcdStorage.KeyValue kv;
                try {
                    kv = we.getEventType() == WatchEvent.EventType.PUT ? storage.readable(we.getKeyValue(), true)
                            : EtcdStorage.toKeyValue(we.getKeyValue());
                } catch (RuntimeException e) {
                    // a value this server cannot decrypt: left out of the cache (a GET of it answers the error)
                    LOG.error("watch cache {}: {}", prefix, e.getMessage());
                    continue;
                }
                long rev = kv.modRevision();
                Event event;
                if (we.getEventType() == WatchEvent.EventType.PUT) {
                    ObjectNode obj = decode(kv.value(), rev);
                    ObjectNode old = objects.put(kv.key(), obj);
                    event = new Event(old == null ? EventType.ADDED : EventType.MODIFIED, kv.key(), obj, old, rev);
                } else if (we.getEventType() == WatchEvent.EventType.DELETE) {
                    ObjectNode old = objects.remove(kv.key());
                    if (old == null) {
                        continue;
                    }
                    // the deleted object carries the revision of its deletion, as Kubernetes reports it
                    ObjectNode gone = old.deepCopy();
                    ((ObjectNode) gone.get("metadata")).put("resourceVersion", Long.toString(rev));
                    event = new Event(EventType.DELETED, kv.key(), gone, old, rev);
                } else {
                    continue;
                }
                window.addLast(event);
                if (window.size() > WINDOW) {
                    oldestRevision = window.removeFirst().revision();
                }
                events.add(event);
                revision = Math.max(revision, rev);
            }
            if (response.getEvents().isEmpty()) {
                // progress notification: nothing under the prefix changed up to this revision
                long header = response.getEvents().isEmpty() ? headerRevision(response) : revision;
                revision = Math.max(revision, header);
            }
            for (Event e : events) {
                for (Watcher w : watchers) {
                    deliver(w, e);
                }
            }
            completeWaiters();
        }
    }

    private static long headerRevision(WatchResponse response) {
        return response.getHeader().getRevision();
    }

    private void deliver(Watcher w, Event e) {
        try {
            w.sink.onEvent(e);
        } catch (RuntimeException ex) {
            LOG.debug("watcher failed, dropping it: {}", ex.getMessage());
            watchers.remove(w);
            w.sink.onTerminated(ex.getMessage());
        }
    }

    private void completeWaiters() {
        Iterator<RevisionWaiter> it = waiters.iterator();
        while (it.hasNext()) {
            RevisionWaiter waiter = it.next();
            if (revision >= waiter.revision) {
                it.remove();
                waiter.future.complete(null);
            }
        }
    }

    /** Completes once the cache has seen every change up to {@code rev}. */
    public CompletableFuture<Void> waitForRevision(long rev) {
        synchronized (this) {
            if (revision >= rev && ready.isDone()) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            waiters.add(new RevisionWaiter(rev, f));
            // a quiet prefix sees no events: ask etcd for a progress notification to learn the revision
            storage.requestProgress();
            return f;
        }
    }

    public synchronized long revision() {
        return revision;
    }

    public synchronized Snapshot snapshot() {
        return new Snapshot(new ArrayList<>(objects.values()), revision);
    }

    /** Objects whose key starts with {@code keyPrefix} (e.g. one namespace). */
    public synchronized Snapshot snapshot(String keyPrefix) {
        Map<String, ObjectNode> sub = objects.subMap(keyPrefix, EtcdStorage.prefixEnd(keyPrefix));
        return new Snapshot(new ArrayList<>(sub.values()), revision);
    }

    public synchronized ObjectNode get(String key) {
        return objects.get(key);
    }

    /**
     * Registers a watcher for every event after {@code fromRevision}. A revision of 0 means "now" and replays
     * nothing (the caller sends synthetic ADDED events from {@link #snapshot()} first, at the returned revision).
     */
    public synchronized Registration watch(long fromRevision, Sink sink) throws TooOldException {
        if (fromRevision > 0 && fromRevision < oldestRevision) {
            throw new TooOldException(fromRevision, oldestRevision);
        }
        Watcher watcher = new Watcher(sink);
        if (fromRevision > 0) {
            for (Event e : window) {
                if (e.revision() > fromRevision) {
                    deliver(watcher, e);
                }
            }
        }
        watchers.add(watcher);
        return watcher;
    }

    /** A snapshot and a watcher registered for everything after it. */
    public record SnapshotWatch(Snapshot snapshot, Registration registration) {}

    /** Atomically takes a snapshot and registers a watcher for everything after it. */
    public synchronized SnapshotWatch snapshotAndWatch(String keyPrefix, Sink sink) {
        Snapshot snap = keyPrefix == null ? snapshot() : snapshot(keyPrefix);
        Watcher watcher = new Watcher(sink);
        watchers.add(watcher);
        return new SnapshotWatch(snap, watcher);
    }

    public int watcherCount() {
        return watchers.size();
    }

    private ObjectNode decode(byte[] value, long rev) {
        try {
            ObjectNode obj = (ObjectNode) mapper.readTree(value);
            ObjectNode meta = obj.with("metadata");
            meta.put("resourceVersion", Long.toString(rev));
            return fromStorage.apply(obj);
        } catch (IOException e) {
            throw new IllegalStateException("corrupt object in etcd under " + prefix + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (etcdWatch != null) {
            etcdWatch.close();
        }
        for (Watcher w : watchers) {
            w.sink.onTerminated("apiserver shutting down");
        }
        watchers.clear();
    }
}
