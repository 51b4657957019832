package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.testing.Await;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaderElectionIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(40);

    private static ControllerManagerOptions options(String identity) {
        return ControllerManagerOptions.builder().bindAddress("127.0.0.1").securePort(0)
                .controllers(List.of("replicaset")).identity(identity)
                .leaseDuration(Duration.ofSeconds(3)).renewDeadline(Duration.ofSeconds(2)).retryPeriod(Duration.ofMillis(500))
                .build();
    }

    @Test
    void onlyTheLeaderActsAndTheStandbyTakesOverWhenTheLeaderStops() throws Exception {
        try (TestCluster cluster = TestCluster.start();
             KubernetesClient c1 = cluster.newClient();
             KubernetesClient c2 = cluster.newClient()) {
            KubernetesClient client = cluster.client();
            if (client.namespaces().withName("kube-system").get() == null) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
            }
            ControllerManager first = new ControllerManager(c1, options("cm-first"));
            ControllerManager second = new ControllerManager(c2, options("cm-second"));
            try {
                first.start();
                Await.until("first leads", WAIT, first::isLeader, l -> l);
                second.start();
                Lease lease = client.leases().inNamespace("kube-system").withName("kube-controller-manager").get();
                assertEquals("cm-first", lease.getSpec().getHolderIdentity());
                assertFalse(second.isLeader());

                HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + second.healthPort() + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), "a standby is healthy");

                String ns = "cm-le";
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
                client.apps().replicaSets().inNamespace(ns).resource(ReplicaSetIntegrationTest.replicaSet(ns, "le", 2)).create();
                Await.until("leader creates pods", WAIT, () -> client.pods().inNamespace(ns).list().getItems().size(), n -> n == 2);

                first.close();
                Await.until("second takes over", WAIT, second::isLeader, l -> l);
                assertEquals("cm-second", client.leases().inNamespace("kube-system").withName("kube-controller-manager")
                        .get().getSpec().getHolderIdentity());
                client.apps().replicaSets().inNamespace(ns).withName("le").scale(3);
                Await.until("new leader acts", WAIT, () -> client.pods().inNamespace(ns).list().getItems().size(), n -> n == 3);

                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + second.healthPort() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.contains("workqueue_adds_total{name=\"replicaset\"}"), metrics);
            } finally {
                first.close();
                second.close();
            }
        }
    }
}
