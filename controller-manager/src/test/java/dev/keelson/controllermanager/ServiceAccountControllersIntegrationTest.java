package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The serviceaccount and root-ca-cert-publisher controllers as a user sees them in every namespace. */
class ServiceAccountControllersIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(
            java.util.List.of("serviceaccount", "root-ca-cert-publisher")));

    private ServiceAccount account(String ns) {
        return fixture.client().serviceAccounts().inNamespace(ns).withName("default").get();
    }

    private ConfigMap rootCa(String ns) {
        return fixture.client().configMaps().inNamespace(ns).withName("kube-root-ca.crt").get();
    }

    @Test
    void everyNamespaceHasADefaultServiceAccountAgainAfterItIsDeleted() {
        Await.until("default account in kube-system", WAIT, () -> account("kube-system"), Objects::nonNull);
        String ns = fixture.namespace("sa");
        ServiceAccount first = Await.until("default account", WAIT, () -> account(ns), Objects::nonNull);
        fixture.client().serviceAccounts().inNamespace(ns).withName("default").delete();
        ServiceAccount second = Await.until("default account recreated", WAIT, () -> account(ns),
                sa -> sa != null && !sa.getMetadata().getUid().equals(first.getMetadata().getUid()));
        assertEquals("default", second.getMetadata().getName());
    }

    @Test
    void everyNamespaceHasTheClusterCaInKubeRootCaCrtKeptAsPublished() throws Exception {
        String ca = fixture.cluster().apiServer().certificateAuthority().certificatePem();
        String ns = fixture.namespace("ca");
        ConfigMap cm = Await.until("kube-root-ca.crt", WAIT, () -> rootCa(ns), Objects::nonNull);
        assertEquals(Map.of("ca.crt", ca), cm.getData());
        assertEquals("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
                + "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
                + "distributions of Kubernetes clusters.", cm.getMetadata().getAnnotations().get("kubernetes.io/description"));

        fixture.client().configMaps().inNamespace(ns).resource(new ConfigMapBuilder(cm).withData(Map.of("ca.crt",
                "forged")).build()).update();
        Await.until("kube-root-ca.crt restored", WAIT, () -> rootCa(ns), c -> c != null
                && Map.of("ca.crt", ca).equals(c.getData()));

        String uid = rootCa(ns).getMetadata().getUid();
        fixture.client().configMaps().inNamespace(ns).withName("kube-root-ca.crt").delete();
        Await.until("kube-root-ca.crt recreated", WAIT, () -> rootCa(ns), c -> c != null
                && !uid.equals(c.getMetadata().getUid()) && Map.of("ca.crt", ca).equals(c.getData()));
    }
}
