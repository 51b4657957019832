package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.storage.EtcdOptions;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A watch from a resourceVersion older than the watch cache's start is 410 Gone, as kube-apiserver's cacher answers. */
class WatchTooOldIntegrationTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aWatchFromBeforeTheWatchCacheStartedIsGone() throws Exception {
        // an apiserver started again on the same etcd starts its watch caches at today's revision: 1 is older
        try (TestCluster own = TestCluster.start()) {
            own.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("before-restart").endMetadata().build()).create();
            own.apiServer().close();
            ApiServerOptions options = ApiServerOptions.defaults(List.of(own.etcd().clientUrl()),
                    own.dataDir().resolve("apiserver")).withPort("127.0.0.1", 0)
                    .withEtcd(EtcdOptions.defaults().withTls(own.etcd().clientTls()));
            ApiServer second = new ApiServer(VertxHolder.get(), options);
            try {
                second.start();
                try (KubernetesClient client = KubeClients.fromKubeconfig(second.adminKubeconfig())) {
                    HttpClient http = client.getHttpClient();
                    String url = "https://127.0.0.1:" + second.port()
                            + "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=5";
                    HttpResponse<InputStream> r = http.sendAsync(http.newHttpRequestBuilder().uri(url).build(),
                            InputStream.class).get(30, TimeUnit.SECONDS);
                    List<String> lines = new ArrayList<>();
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                        for (String l = in.readLine(); l != null; l = in.readLine()) {
                            lines.add(l);
                        }
                    }
                    assertEquals(1, lines.size(), lines.toString());
                    JsonNode event = JSON.readTree(lines.get(0));
                    assertEquals("ERROR", event.path("type").asText());
                    assertEquals(410, event.path("object").path("code").asInt());
                    assertEquals("Expired", event.path("object").path("reason").asText());
                    assertTrue(event.path("object").path("message").asText().startsWith("too old resource version: 1 ("),
                            lines.get(0));
                }
            } finally {
                second.close();
            }
        }
    }

}
