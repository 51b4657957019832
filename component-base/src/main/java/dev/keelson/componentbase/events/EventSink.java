package dev.keelson.componentbase.events;

import io.fabric8.kubernetes.api.model.Event;
import java.util.concurrent.CompletableFuture;

/** Where an {@link EventRecorder} writes: the API in a component, a fake in unit tests. */
interface EventSink {
    /** Creates the event; completes exceptionally when the API refused it or could not be reached. */
    CompletableFuture<Void> create(Event event);

    /** Sets count and lastTimestamp of an existing event; completes exceptionally when it is gone or refused. */
    CompletableFuture<Void> updateCount(String namespace, String name, int count, String lastTimestamp);
}
