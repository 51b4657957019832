package dev.keelson.scheduler.queue;

import dev.keelson.scheduler.framework.PodInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Kubernetes' scheduling queue: an active queue ordered by priority then age; a backoff queue
 * (1 s doubling per attempt up to 10 s); and an unschedulable set, whose pods go back to the active
 * (or backoff) queue when the cluster changes in a way that may help, and at the latest after 60 s.
 * A pod that failed in a cycle during which such a change arrived goes to backoff, not unschedulable,
 * so the change is not missed.
 */
public final class SchedulingQueue {
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    public static final Duration DEFAULT_UNSCHEDULABLE_MAX_STAY = Duration.ofSeconds(60);

    private enum Where { ACTIVE, BACKOFF, UNSCHEDULABLE }

    private final LongSupplier clock;
    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final long unschedulableMaxStayNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<QueuedPod> active = new PriorityQueue<>(
            Comparator.comparingInt((QueuedPod q) -> -q.info().priority()).thenComparingLong(q -> q.timestampNanos));
    private final PriorityQueue<QueuedPod> backoff = new PriorityQueue<>(Comparator.comparingLong(q -> q.backoffExpiryNanos));
    /** Insertion order is entry order, so the oldest entries are at the head. */
    private final LinkedHashMap<String, QueuedPod> unschedulable = new LinkedHashMap<>();
    private final Map<String, Where> where = new HashMap<>();
    private final Map<String, QueuedPod> inFlight = new HashMap<>();
    private long schedulingCycle;
    private long moveRequestCycle = -1;
    private boolean closed;

    public SchedulingQueue(LongSupplier nanoClock, Duration initialBackoff, Duration maxBackoff, Duration unschedulableMaxStay) {
        this.clock = nanoClock;
        this.initialBackoffNanos = initialBackoff.toNanos();
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.unschedulableMaxStayNanos = unschedulableMaxStay.toNanos();
    }

    public static SchedulingQueue withDefaults() {
        return new SchedulingQueue(System::nanoTime, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_UNSCHEDULABLE_MAX_STAY);
    }

    /** A new pending pod; ignored when the queue already knows it (then it is an update). */
    public void add(PodInfo info) {
        lock.lock();
        try {
            if (where.containsKey(info.key()) || inFlight.containsKey(info.key())) {
                updateLocked(info);
                return;
            }
            QueuedPod qp = new QueuedPod(info, clock.getAsLong());
            active.add(qp);
            where.put(info.key(), Where.ACTIVE);
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The pending pod changed; an unschedulable pod gets another chance since the change may help. */
    public void update(PodInfo info) {
        lock.lock();
        try {
            updateLocked(info);
        } finally {
            lock.unlock();
        }
    }

    private void updateLocked(PodInfo info) {
        String key = info.key();
        QueuedPod flying = inFlight.get(key);
        if (flying != null) {
            flying.setInfo(info);
            return;
        }
        Where w = where.get(key);
        if (w == null) {
            QueuedPod qp = new QueuedPod(info, clock.getAsLong());
            active.add(qp);
            where.put(key, Where.ACTIVE);
            changed.signal();
            return;
        }
        QueuedPod qp = find(key, w);
        qp.setInfo(info);
        if (w == Where.UNSCHEDULABLE) {
            unschedulable.remove(key);
            moveToActiveOrBackoff(qp, clock.getAsLong());
        }
    }

    /** The pod is gone or was bound by someone else. */
    public void delete(String key) {
        lock.lock();
        try {
            QueuedPod flying = inFlight.get(key);
            if (flying != null) {
                flying.deleted = true;
            }
            Where w = where.remove(key);
            if (w == null) {
                return;
            }
            switch (w) {
                case ACTIVE -> active.removeIf(q -> q.key().equals(key));
                case BACKOFF -> backoff.removeIf(q -> q.key().equals(key));
                case UNSCHEDULABLE -> unschedulable.remove(key);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until a pod is ready to schedule; null once closed or after the timeout. */
    public QueuedPod pop(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!closed) {
                QueuedPod qp = tryPopLocked();
                if (qp != null) {
                    return qp;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                // wake for the next backoff expiry as well as for new pods; check at least every second
                changed.awaitNanos(Math.min(left, Math.min(nanosUntilNextFlush(), TimeUnit.SECONDS.toNanos(1))));
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Pops without waiting, after moving expired backoff and stale unschedulable pods; null when none is ready. */
    public QueuedPod tryPop() {
        lock.lock();
        try {
            return tryPopLocked();
        } finally {
            lock.unlock();
        }
    }

    private QueuedPod tryPopLocked() {
        flushLocked(clock.getAsLong());
        QueuedPod qp = active.poll();
        if (qp == null) {
            return null;
        }
        where.remove(qp.key());
        qp.attempts++;
        qp.cycle = ++schedulingCycle;
        inFlight.put(qp.key(), qp);
        return qp;
    }

    private long nanosUntilNextFlush() {
        long now = clock.getAsLong();
        long next = Long.MAX_VALUE;
        QueuedPod b = backoff.peek();
        if (b != null) {
            next = b.backoffExpiryNanos - now;
        }
        Iterator<QueuedPod> it = unschedulable.values().iterator();
        if (it.hasNext()) {
            next = Math.min(next, it.next().timestampNanos + unschedulableMaxStayNanos - now);
        }
        return Math.max(next, 1_000_000);
    }

    /** The pod's cycle ended with a bind on its way: it leaves the queue. */
    public void done(String key) {
        lock.lock();
        try {
            inFlight.remove(key);
        } finally {
            lock.unlock();
        }
    }

    /**
     * No node fits: park the pod until the cluster changes (or, if a change arrived while it was being
     * scheduled, back it off so the change is not missed).
     */
    public void addUnschedulable(QueuedPod qp) {
        lock.lock();
        try {
            if (!finishFlight(qp)) {
                return;
            }
            long now = clock.getAsLong();
            qp.timestampNanos = now;
            qp.backoffExpiryNanos = now + backoffDuration(qp.attempts);
            if (moveRequestCycle >= qp.cycle) {
                backoff.add(qp);
                where.put(qp.key(), Where.BACKOFF);
            } else {
                unschedulable.put(qp.key(), qp);
                where.put(qp.key(), Where.UNSCHEDULABLE);
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** A transient failure (bind error, API error): retry after the pod's backoff. */
    public void addBackoff(QueuedPod qp) {
        lock.lock();
        try {
            if (!finishFlight(qp)) {
                return;
            }
            long now = clock.getAsLong();
            qp.timestampNanos = now;
            qp.backoffExpiryNanos = now + backoffDuration(qp.attempts);
            backoff.add(qp);
            where.put(qp.key(), Where.BACKOFF);
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** False when the pod was deleted or bound (or is queued again) while it was in flight. */
    private boolean finishFlight(QueuedPod qp) {
        QueuedPod flying = inFlight.get(qp.key());
        if (flying == qp) {
            inFlight.remove(qp.key());
        }
        return !qp.deleted && !where.containsKey(qp.key()) && !closed;
    }

    /** Something changed that may make unschedulable pods fit (a node added or changed, a pod deleted). */
    public void moveAllToActiveOrBackoff() {
        lock.lock();
        try {
            moveRequestCycle = schedulingCycle;
            if (unschedulable.isEmpty()) {
                return;
            }
            long now = clock.getAsLong();
            List<QueuedPod> moving = new ArrayList<>(unschedulable.values());
            unschedulable.clear();
            for (QueuedPod qp : moving) {
                moveToActiveOrBackoff(qp, now);
            }
        } finally {
            lock.unlock();
        }
    }

    private void moveToActiveOrBackoff(QueuedPod qp, long now) {
        if (qp.backoffExpiryNanos > now) {
            backoff.add(qp);
            where.put(qp.key(), Where.BACKOFF);
        } else {
            active.add(qp);
            where.put(qp.key(), Where.ACTIVE);
        }
        changed.signal();
    }

    /** Moves backoff pods whose time has come to active, and unschedulable pods parked too long. */
    private void flushLocked(long now) {
        while (!backoff.isEmpty() && backoff.peek().backoffExpiryNanos <= now) {
            QueuedPod qp = backoff.poll();
            active.add(qp);
            where.put(qp.key(), Where.ACTIVE);
        }
        Iterator<QueuedPod> it = unschedulable.values().iterator();
        while (it.hasNext()) {
            QueuedPod qp = it.next();
            if (qp.timestampNanos + unschedulableMaxStayNanos > now) {
                break;
            }
            it.remove();
            moveToActiveOrBackoff(qp, now);
        }
    }

    long backoffDuration(int attempts) {
        long d = initialBackoffNanos;
        for (int i = 1; i < attempts && d < maxBackoffNanos; i++) {
            d *= 2;
        }
        return Math.min(d, maxBackoffNanos);
    }

    private QueuedPod find(String key, Where w) {
        return switch (w) {
            case ACTIVE -> active.stream().filter(q -> q.key().equals(key)).findFirst().orElseThrow();
            case BACKOFF -> backoff.stream().filter(q -> q.key().equals(key)).findFirst().orElseThrow();
            case UNSCHEDULABLE -> unschedulable.get(key);
        };
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int activeSize() {
        lock.lock();
        try {
            return active.size();
        } finally {
            lock.unlock();
        }
    }

    public int backoffSize() {
        lock.lock();
        try {
            return backoff.size();
        } finally {
            lock.unlock();
        }
    }

    public int unschedulableSize() {
        lock.lock();
        try {
            return unschedulable.size();
        } finally {
            lock.unlock();
        }
    }

    public boolean contains(String key) {
        lock.lock();
        try {
            return where.containsKey(key) || inFlight.containsKey(key);
        } finally {
            lock.unlock();
        }
    }
}
