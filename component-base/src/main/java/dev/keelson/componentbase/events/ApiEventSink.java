package dev.keelson.componentbase.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes events on the fabric8 client's own HTTP client (its TLS and credentials apply) without holding a thread
 * while the apiserver answers, so a burst of events costs no thread per write.
 */
final class ApiEventSink implements EventSink {
    private final HttpClient http;
    private final String base;

    ApiEventSink(KubernetesClient client) {
        this.http = client.getHttpClient();
        String url = client.getMasterUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public CompletableFuture<Void> create(Event event) {
        String path = "/api/v1/namespaces/" + event.getMetadata().getNamespace() + "/events";
        return send(http.newHttpRequestBuilder().uri(base + path).post("application/json", Serialization.asJson(event)),
                "POST " + path);
    }

    @Override
    public CompletableFuture<Void> updateCount(String namespace, String name, int count, String lastTimestamp) {
        String path = "/api/v1/namespaces/" + namespace + "/events/" + name;
        String patch = "{\"count\":" + count + ",\"lastTimestamp\":\"" + lastTimestamp + "\"}";
        return send(http.newHttpRequestBuilder().uri(base + path).patch("application/merge-patch+json", patch),
                "PATCH " + path);
    }

    private CompletableFuture<Void> send(HttpRequest.Builder request, String what) {
        return http.sendAsync(request.timeout(30, TimeUnit.SECONDS).build(), String.class)
                .thenApply((HttpResponse<String> response) -> {
                    if (!response.isSuccessful()) {
                        throw new IllegalStateException(what + ": " + response.code() + " " + response.body());
                    }
                    return null;
                });
    }
}
