package dev.keelson.scheduler.binder;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * POSTs API objects without blocking a thread, on the fabric8 client's own HTTP client (so its TLS
 * and credentials apply). The scheduler's hot writes (bindings, events) go through here so the
 * scheduling loop never waits for a response.
 */
public final class ApiPoster {
    private final HttpClient http;
    private final String base;

    public ApiPoster(KubernetesClient client) {
        this.http = client.getHttpClient();
        String url = client.getMasterUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Completes normally on 2xx, exceptionally with {@link ApiCallException} otherwise. */
    public CompletableFuture<Void> post(String path, Object body) {
        byte[] json = Serialization.asJson(body).getBytes(StandardCharsets.UTF_8);
        HttpRequest request = http.newHttpRequestBuilder().uri(base + path)
                .timeout(30, TimeUnit.SECONDS)
                .post("application/json", json).build();
        return http.sendAsync(request, String.class).handle((response, error) -> {
            if (error != null) {
                throw new ApiCallException(0, "POST " + path + ": " + error.getMessage());
            }
            if (!response.isSuccessful()) {
                throw new ApiCallException(response.code(), "POST " + path + ": " + response.code() + " " + statusMessage(response.body()));
            }
            return null;
        });
    }

    private static String statusMessage(String body) {
        if (body == null) {
            return "";
        }
        try {
            io.fabric8.kubernetes.api.model.Status s = Serialization.unmarshal(body, io.fabric8.kubernetes.api.model.Status.class);
            return s.getMessage() == null ? body : s.getMessage();
        } catch (RuntimeException e) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
    }
}
