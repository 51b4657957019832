package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.keelson.apiserver.ApiServer;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An apiserver started again on the data and etcd of a previous one (a restarted `keelson server`). */
class ApiServerRestartIntegrationTest {

    @Test
    void restartedApiServerKeepsObjectsAndTheKubernetesServiceAddress() throws Exception {
        try (TestCluster cluster = TestCluster.start()) {
            Service before = cluster.client().services().inNamespace("default").withName("kubernetes").get();
            cluster.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                    .withNewMetadata().withName("survives-restart").endMetadata()
                    .addToData("k", "v").build()).create();
            String caBefore = java.nio.file.Files.readString(cluster.apiServer().pkiDir().resolve("ca.crt"));
            cluster.apiServer().close();

            ApiServerOptions options = ApiServerOptions.defaults(List.of(cluster.etcd().clientUrl()),
                    cluster.dataDir().resolve("apiserver")).withPort("127.0.0.1", 0)
                    .withEtcd(dev.keelson.apiserver.storage.EtcdOptions.defaults().withTls(cluster.etcd().clientTls()));
            ApiServer restarted = new ApiServer(VertxHolder.get(), options);
            try {
                restarted.start();
                try (KubernetesClient client = KubeClients.fromKubeconfig(restarted.adminKubeconfig())) {
                    Service after = client.services().inNamespace("default").withName("kubernetes").get();
                    assertEquals(before.getMetadata().getUid(), after.getMetadata().getUid());
                    assertEquals(before.getSpec().getClusterIP(), after.getSpec().getClusterIP());
                    assertNotNull(client.configMaps().inNamespace("default").withName("survives-restart").get());
                    assertEquals(caBefore, java.nio.file.Files.readString(restarted.pkiDir().resolve("ca.crt")));
                }
            } finally {
                restarted.close();
            }
        }
    }
}
