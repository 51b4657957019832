package dev.keelson.componentbase.controller;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Collection;

/** Starting fabric8 informers and waiting for their first list, shared by every controller. */
public final class Informers {
    private Informers() {}

    /**
     * Starts every informer (starting one that already runs is harmless) and waits until all have synced.
     *
     * @throws IllegalStateException naming the informers that had not synced after {@code timeout}
     */
    public static void startAndWaitForSync(Collection<? extends SharedIndexInformer<?>> informers, Duration timeout)
            throws InterruptedException {
        for (SharedIndexInformer<?> informer : informers) {
            informer.start();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            StringBuilder unsynced = new StringBuilder();
            for (SharedIndexInformer<?> informer : informers) {
                if (!informer.hasSynced()) {
                    unsynced.append(' ').append(informer.getApiTypeClass().getSimpleName());
                }
            }
            if (unsynced.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("informer caches not synced after " + timeout + ":" + unsynced);
            }
            Thread.sleep(50);
        }
    }
}
