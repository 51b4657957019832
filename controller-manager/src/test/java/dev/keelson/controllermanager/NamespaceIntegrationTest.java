package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NamespaceIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.allControllers();

    @Test
    void deletingANamespaceDeletesEverythingInItAndThenTheNamespace() {
        String ns = fixture.namespace("cm-ns");
        fixture.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("cfg")
                .endMetadata().addToData("k", "v").build()).create();
        fixture.client().apps().deployments().inNamespace(ns).resource(DeploymentIntegrationTest.deployment(ns, "app", 2, "keelson/app:1")).create();
        Await.until("pods", WAIT, () -> fixture.client().pods().inNamespace(ns).list().getItems(), l -> l.size() == 2);

        fixture.client().namespaces().withName(ns).delete();
        Namespace terminating = fixture.client().namespaces().withName(ns).get();
        if (terminating != null) {
            assertTrue(terminating.getMetadata().getDeletionTimestamp() != null);
        }
        Await.until("namespace removed", WAIT, () -> fixture.client().namespaces().withName(ns).get() == null, g -> g);
        Await.until("contents removed", WAIT, () -> fixture.client().configMaps().inNamespace(ns).list().getItems().size()
                + fixture.client().apps().deployments().inNamespace(ns).list().getItems().size()
                + fixture.client().pods().inNamespace(ns).list().getItems().size(), n -> n == 0);
    }
}
