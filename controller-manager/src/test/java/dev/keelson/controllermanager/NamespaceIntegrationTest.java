package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NamespaceIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static ClusterFixture fixture;
    private static KubernetesClient client;

    @BeforeAll
    static void startCluster() {
        fixture = ClusterFixture.start();
        client = fixture.client();
    }

    @AfterAll
    static void stopCluster() {
        fixture.close();
    }

    @Test
    void deletingANamespaceDeletesEverythingInItAndThenTheNamespace() {
        String ns = fixture.namespace("cm-ns");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cfg")
                .endMetadata().addToData("k", "v").build()).create();
        client.apps().deployments().inNamespace(ns).resource(DeploymentIntegrationTest.deployment(ns, "app", 2, "keelson/app:1")).create();
        Await.until("pods", WAIT, () -> client.pods().inNamespace(ns).list().getItems(), l -> l.size() == 2);

        client.namespaces().withName(ns).delete();
        Namespace terminating = client.namespaces().withName(ns).get();
        if (terminating != null) {
            assertTrue(terminating.getMetadata().getDeletionTimestamp() != null);
        }
        Await.until("namespace removed", WAIT, () -> client.namespaces().withName(ns).get() == null, g -> g);
        Await.until("contents removed", WAIT, () -> client.configMaps().inNamespace(ns).list().getItems().size()
                + client.apps().deployments().inNamespace(ns).list().getItems().size()
                + client.pods().inNamespace(ns).list().getItems().size(), n -> n == 0);
    }
}
