package dev.keelson.apiserver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.Json;
import dev.keelson.componentbase.tls.Pem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Raw HTTPS requests to a test apiserver as a bearer-token user (from a {@code --token-auth-file}), for tests that
 * assert status codes, Status bodies and headers (Warning) exactly as a client receives them.
 */
public final class ApiHttp {
    private final HttpClient http;
    private final String url;
    private final String token;
    private final java.util.Map<String, String> headers;

    public ApiHttp(TestCluster cluster, String token) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("ca", Pem.certificate(Files.readString(cluster.apiServer().pkiDir()
                    .resolve("ca.crt"))));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            this.http = HttpClient.newBuilder().sslContext(tls).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        this.url = cluster.url();
        this.token = token;
        this.headers = java.util.Map.of();
    }

    private ApiHttp(ApiHttp from, java.util.Map<String, String> headers) {
        this.http = from.http;
        this.url = from.url;
        this.token = from.token;
        this.headers = java.util.Map.copyOf(headers);
    }

    /** The same client sending {@code headers} with every request (Impersonate-User, Accept...); a null token sends none. */
    public ApiHttp withHeaders(java.util.Map<String, String> headers) {
        return new ApiHttp(this, headers);
    }

    /** Writes a token file with {@code token,user,uid,"groups"} lines. */
    public static Path tokenFile(List<String> lines) {
        try {
            Path file = Files.createTempFile("keelson-tokens", ".csv");
            Files.write(file, lines);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A response: status, body as JSON (null when not JSON), Warning headers. */
    public record Response(int code, String body, List<String> warnings) {
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + body);
            }
        }

        public String message() {
            return json().path("message").asText();
        }
    }

    public Response send(String method, String path, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers().allValues("Warning"));
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }

    /** The whole answer, headers included. */
    public HttpResponse<String> exchange(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }

    public Response get(String path) {
        return send("GET", path, null, null);
    }

    public Response post(String path, String json) {
        return send("POST", path, json, "application/json");
    }

    public Response put(String path, String json) {
        return send("PUT", path, json, "application/json");
    }

    public Response delete(String path) {
        return send("DELETE", path, null, null);
    }

    public Response mergePatch(String path, String json) {
        return send("PATCH", path, json, "application/merge-patch+json");
    }
}
