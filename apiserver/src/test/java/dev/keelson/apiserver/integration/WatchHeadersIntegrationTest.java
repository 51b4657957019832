package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A watch answers with its status and headers at once, before any event (what `kubectl wait` relies on). */
class WatchHeadersIntegrationTest {

    @Test
    void watchOnAnUnchangingObjectAnswersBeforeItsFirstEvent() throws Exception {
        try (TestCluster cluster = TestCluster.start()) {
            String rv = cluster.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("still").endMetadata().build()).create().getMetadata().getResourceVersion();
            HttpClient http = cluster.client().getHttpClient();
            // from the object's own resourceVersion: no ADDED event comes, nothing changes for 60 s
            String url = cluster.url() + "/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dstill"
                    + "&resourceVersion=" + rv + "&timeoutSeconds=60";
            CompletableFuture<HttpResponse<InputStream>> response = http.sendAsync(
                    http.newHttpRequestBuilder().uri(url).build(), InputStream.class);
            try {
                // well inside the watch's 60 s: the headers must not wait for an event or the timeout
                HttpResponse<InputStream> r = response.get(20, TimeUnit.SECONDS);
                assertEquals(200, r.code());
                assertEquals("application/json", r.header("Content-Type"));
                r.body().close();
            } finally {
                response.cancel(true);
            }
        }
    }
}
