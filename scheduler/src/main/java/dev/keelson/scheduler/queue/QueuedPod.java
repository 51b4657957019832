package dev.keelson.scheduler.queue;

import dev.keelson.scheduler.framework.PodInfo;

/** A pod waiting to be scheduled, with what the queue needs to order and back it off. */
public final class QueuedPod {
    private volatile PodInfo info;
    /** When the pod (re)entered the queue; orders equal priorities and starts its backoff. */
    long timestampNanos;
    /** When the pod first entered the queue, for end-to-end latency. */
    final long firstSeenNanos;
    int attempts;
    long backoffExpiryNanos;
    /** The scheduling cycle in which this pod was popped. */
    long cycle;
    boolean deleted;

    QueuedPod(PodInfo info, long nowNanos) {
        this.info = info;
        this.timestampNanos = nowNanos;
        this.firstSeenNanos = nowNanos;
    }

    public PodInfo info() {
        return info;
    }

    void setInfo(PodInfo info) {
        this.info = info;
    }

    public String key() {
        return info.key();
    }

    public int attempts() {
        return attempts;
    }

    public long firstSeenNanos() {
        return firstSeenNanos;
    }
}
