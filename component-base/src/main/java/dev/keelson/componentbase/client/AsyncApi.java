package dev.keelson.componentbase.client;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes API objects without holding a thread while the apiserver answers, on the fabric8 client's own HTTP client
 * (so its TLS and credentials apply): for hot or fire-and-forget writes such as the scheduler's bindings and every
 * component's events. Each call completes normally on 2xx, exceptionally with {@link ApiCallException} otherwise.
 */
public final class AsyncApi {
    private final HttpClient http;
    private final String base;

    public AsyncApi(KubernetesClient client) {
        this.http = client.getHttpClient();
        String url = client.getMasterUrl().toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** POSTs {@code body} as JSON to {@code path} ("/api/v1/..."). */
    public CompletableFuture<Void> post(String path, Object body) {
        byte[] json = Serialization.asJson(body).getBytes(StandardCharsets.UTF_8);
        return send(http.newHttpRequestBuilder().uri(base + path).post("application/json", json), "POST " + path);
    }

    /** PATCHes {@code path} with a JSON merge patch. */
    public CompletableFuture<Void> mergePatch(String path, String patch) {
        return send(http.newHttpRequestBuilder().uri(base + path).patch("application/merge-patch+json", patch),
                "PATCH " + path);
    }

    private CompletableFuture<Void> send(HttpRequest.Builder request, String what) {
        return http.sendAsync(request.timeout(30, TimeUnit.SECONDS).build(), String.class).handle((response, error) -> {
            if (error != null) {
                throw new ApiCallException(0, what + ": " + error.getMessage());
            }
            if (!response.isSuccessful()) {
                throw new ApiCallException(response.code(), what + ": " + response.code() + " "
                        + statusMessage(response.body()));
            }
            return null;
        });
    }

    private static String statusMessage(String body) {
        if (body == null) {
            return "";
        }
        try {
            Status s = Serialization.unmarshal(body, Status.class);
            return s.getMessage() == null ? body : s.getMessage();
        } catch (RuntimeException e) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
    }
}
