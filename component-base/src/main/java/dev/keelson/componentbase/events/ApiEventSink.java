package dev.keelson.componentbase.events;

import dev.keelson.componentbase.client.AsyncApi;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.CompletableFuture;

/** Writes events through {@link AsyncApi}, so a burst of events costs no thread per write. */
final class ApiEventSink implements EventSink {
    private final AsyncApi api;

    ApiEventSink(KubernetesClient client) {
        this.api = new AsyncApi(client);
    }

    @Override
    public CompletableFuture<Void> create(Event event) {
        return api.post("/api/v1/namespaces/" + event.getMetadata().getNamespace() + "/events", event);
    }

    @Override
    public CompletableFuture<Void> updateCount(String namespace, String name, int count, String lastTimestamp) {
        return api.mergePatch("/api/v1/namespaces/" + namespace + "/events/" + name,
                "{\"count\":" + count + ",\"lastTimestamp\":\"" + lastTimestamp + "\"}");
    }
}
