package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the official clients' own test suites found on the wire: boolean query parameters read as kube-apiserver
 * reads them, bodies ending with a newline, Tables that page (kubectl get past 500 rows), lists from the watch cache
 * that honour limit and continue.
 */
class WireConformanceIntegrationTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NS = "wire";
    static final int OBJECTS = 7;
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata()
                .build()).create();
        for (int i = 0; i < OBJECTS; i++) {
            cluster.client().configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("cm-" + i).addToLabels("even", Boolean.toString(i % 2 == 0)).endMetadata().build())
                    .create();
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return get(path, null);
    }

    private static HttpResponse<String> get(String path, String accept) throws Exception {
        HttpClient http = cluster.client().getHttpClient();
        var builder = http.newHttpRequestBuilder().uri(cluster.url() + path);
        if (accept != null) {
            builder.header("Accept", accept);
        }
        return http.sendAsync(builder.build(), String.class).get(30, TimeUnit.SECONDS);
    }

    /** The first line of a watch stream (the stream is closed after it). */
    private static String firstWatchLine(String path) throws Exception {
        HttpClient http = cluster.client().getHttpClient();
        HttpResponse<InputStream> r = http.sendAsync(http.newHttpRequestBuilder().uri(cluster.url() + path).build(),
                InputStream.class).get(30, TimeUnit.SECONDS);
        assertEquals(200, r.code(), path);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            return in.readLine();
        }
    }

    @Test
    void watchParameterIsTrueForEveryValueButFalseAndZero() throws Exception {
        String base = "/api/v1/namespaces/" + NS + "/configmaps?timeoutSeconds=5&fieldSelector=metadata.name%3Dcm-1&";
        for (String yes : List.of("watch=True", "watch=TRUE", "watch=t", "watch=1", "watch=yes", "watch")) {
            JsonNode event = JSON.readTree(firstWatchLine(base + yes));
            assertEquals("ADDED", event.path("type").asText(), yes);
            assertEquals("cm-1", event.path("object").path("metadata").path("name").asText(), yes);
        }
        for (String no : List.of("watch=false", "watch=False", "watch=FALSE", "watch=0")) {
            HttpResponse<String> r = get(base + no);
            assertEquals(200, r.code(), no);
            assertEquals("ConfigMapList", JSON.readTree(r.body()).path("kind").asText(), no);
        }
    }

    @Test
    void jsonBodiesEndWithANewlineAsKubeApiserversEncoderWrites() throws Exception {
        HttpResponse<String> missing = get("/api/v1/namespaces/" + NS + "/configmaps/nope");
        assertEquals(404, missing.code());
        assertTrue(missing.body().endsWith("}\n"), missing.body());
        assertEquals("NotFound", JSON.readTree(missing.body()).path("reason").asText());
        HttpResponse<String> found = get("/api/v1/namespaces/" + NS + "/configmaps/cm-1");
        assertTrue(found.body().endsWith("}\n"), found.body());
    }

    @Test
    void tablesCarryContinueAndRemainingItemCountSoKubectlPagesThroughEverything() throws Exception {
        String accept = "application/json;as=Table;v=v1;g=meta.k8s.io";
        HttpResponse<String> first = get("/api/v1/namespaces/" + NS + "/configmaps?limit=3", accept);
        JsonNode table = JSON.readTree(first.body());
        assertEquals("Table", table.path("kind").asText());
        assertEquals(3, table.path("rows").size());
        String token = table.path("metadata").path("continue").asText("");
        assertFalse(token.isEmpty(), first.body());
        assertEquals(OBJECTS - 3, table.path("metadata").path("remainingItemCount").asLong());

        // the real kubectl, two objects a request: every object once
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", cluster.kubeconfig().toString(), "get", "configmaps",
                "-n", NS, "--chunk-size=2", "--no-headers", "-o", "custom-columns=NAME:.metadata.name")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> names = out.lines().filter(l -> l.startsWith("cm-")).toList();
        assertEquals(OBJECTS, names.size(), out);
        assertEquals(OBJECTS, new HashSet<>(names).size(), out);
    }

    @Test
    void listsFromTheWatchCacheHonourLimitAndContinue() throws Exception {
        Set<String> seen = new HashSet<>();
        String path = "/api/v1/namespaces/" + NS + "/configmaps?resourceVersion=0&limit=3";
        JsonNode page = JSON.readTree(get(path).body());
        String listRv = page.path("metadata").path("resourceVersion").asText();
        int pages = 0;
        while (true) {
            pages++;
            page.path("items").forEach(i -> assertTrue(seen.add(i.path("metadata").path("name").asText())));
            assertTrue(page.path("items").size() <= 3, page.toString());
            String token = page.path("metadata").path("continue").asText("");
            if (token.isEmpty()) {
                assertNull(page.path("metadata").get("remainingItemCount"));
                break;
            }
            assertEquals(OBJECTS - seen.size(), page.path("metadata").path("remainingItemCount").asLong());
            page = JSON.readTree(get("/api/v1/namespaces/" + NS + "/configmaps?limit=3&continue=" + token).body());
            // every page shows the state of the first one
            assertEquals(listRv, page.path("metadata").path("resourceVersion").asText());
        }
        assertEquals(OBJECTS, seen.size());
        assertEquals(3, pages);

        // with a selector the remaining count is unknown and left out, as Kubernetes does
        JsonNode selected = JSON.readTree(get("/api/v1/namespaces/" + NS
                + "/configmaps?resourceVersion=0&limit=1&labelSelector=even%3Dtrue").body());
        assertEquals(1, selected.path("items").size());
        assertFalse(selected.path("metadata").path("continue").asText("").isEmpty());
        assertNull(selected.path("metadata").get("remainingItemCount"));
    }

    @Test
    void aSelectivePageThatFillsAtTheEndOfAnEtcdRangeContinuesAfterIt() throws Exception {
        // limit 2 reads three keys (cm-0, cm-1, cm-2): the page is full with its last key, so the token must name it
        Set<String> seen = new HashSet<>();
        String token = "";
        do {
            JsonNode page = JSON.readTree(get("/api/v1/namespaces/" + NS + "/configmaps?limit=2&labelSelector=even%3Dtrue"
                    + (token.isEmpty() ? "" : "&continue=" + token)).body());
            page.path("items").forEach(i -> assertTrue(seen.add(i.path("metadata").path("name").asText())));
            token = page.path("metadata").path("continue").asText("");
        } while (!token.isEmpty());
        assertEquals(Set.of("cm-0", "cm-2", "cm-4", "cm-6"), seen);
    }
}
