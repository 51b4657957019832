package dev.keelson.apiserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.Json;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Requests to a test apiserver as the admin, asked the way kubectl asks (Strict field validation on create, Tables
 * on get), and the checks the kind tests share: Table columns and cells, and a 422 Invalid with its cause.
 */
public final class KindRequests {
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    private final TestCluster cluster;
    private final String group;

    /** {@code group} qualifies kinds in Invalid messages ("batch" gives {@code Job.batch "x" is invalid}); "" for none. */
    public KindRequests(TestCluster cluster, String group) {
        this.cluster = cluster;
        this.group = group;
    }

    /** A status code and the body as JSON (a missing node when the body is not JSON). */
    public record Answer(int code, JsonNode body) {
    }

    public Answer send(String method, String path, String contentType, String body, String accept) throws Exception {
        HttpClient http = cluster.client().getHttpClient();
        HttpRequest.Builder b = http.newHttpRequestBuilder().uri(cluster.url() + path).header("Accept", accept);
        if (body != null) {
            b.method(method, contentType, body);
        } else {
            b.method(method, null, null);
        }
        HttpResponse<String> r = http.sendAsync(b.build(), String.class).get(30, TimeUnit.SECONDS);
        return new Answer(r.code(), parse(r.body()));
    }

    /** Creates from JSON written with single quotes, as kubectl create does. */
    public Answer create(String path, String json) throws Exception {
        return send("POST", path + "?fieldManager=kubectl-create&fieldValidation=Strict", "application/json",
                json.replace('\'', '"'), "application/json");
    }

    public Answer table(String path) throws Exception {
        return send("GET", path, null, null, TABLE);
    }

    public static List<String> columns(JsonNode table) {
        List<String> out = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> out.add(c.path("name").asText()));
        return out;
    }

    public static JsonNode cells(JsonNode table, int row) {
        return table.path("rows").path(row).path("cells");
    }

    /** A 422 Invalid for {@code kind} {@code name} whose first cause is {@code field}: {@code message}. */
    public void assertInvalid(Answer a, String kind, String name, String field, String message) {
        assertEquals(422, a.code(), a.body().toString());
        assertEquals("Invalid", a.body().path("reason").asText());
        assertEquals(kind, a.body().at("/details/kind").asText());
        assertEquals(name, a.body().at("/details/name").asText());
        JsonNode cause = a.body().at("/details/causes/0");
        assertEquals(field, cause.path("field").asText(), a.body().toString());
        assertEquals(message, cause.path("message").asText(), a.body().toString());
        String text = a.body().path("message").asText();
        String qualified = group.isEmpty() ? kind : kind + "." + group;
        assertTrue(text.startsWith(qualified + " \"" + name + "\" is invalid: ") && text.contains(field + ": " + message),
                a.body().toString());
    }

    private static JsonNode parse(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            return Json.MAPPER.missingNode();
        }
    }
}
