package dev.keelson.scheduler;

import static dev.keelson.scheduler.testing.Fixtures.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.scheduler.testing.ClusterHelper;
import dev.keelson.scheduler.testing.CuttableProxy;
import dev.keelson.scheduler.testing.Fixtures;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two schedulers share one Lease: only the holder schedules, and the other takes over when it goes. */
@Tag("integration")
class LeaderFailoverTest {
    private static SchedulerOptions options(String identity) {
        return SchedulerOptions.builder().identity(identity).bindAddress("127.0.0.1").securePort(0)
                .leaseDuration(Duration.ofSeconds(4)).renewDeadline(Duration.ofSeconds(3)).retryPeriod(Duration.ofMillis(500))
                .build();
    }

    @Test
    void secondSchedulerTakesOverWhenTheLeaderStops() {
        try (TestCluster cluster = TestCluster.start();
             KubernetesClient clientA = cluster.newClient();
             KubernetesClient clientB = cluster.newClient()) {
            KubernetesClient client = cluster.client();
            ClusterHelper helper = new ClusterHelper(client);
            if (client.namespaces().withName("kube-system").get() == null) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
            }
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("scheduler-failover").endMetadata().build()).create();
            helper.createNode(node("scheduler-failover-node", "4", "8Gi", 110));

            Scheduler a = new Scheduler(clientA, options("scheduler-a"));
            Scheduler b = new Scheduler(clientB, options("scheduler-b"));
            try {
                a.start();
                ClusterHelper.await("scheduler-a to lead", Duration.ofSeconds(20), a::isLeader, l -> l);
                b.start();
                client.pods().inNamespace("scheduler-failover").resource(Fixtures.pod("first", "100m", "64Mi")
                        .editMetadata().withNamespace("scheduler-failover").withUid(null).endMetadata().build()).create();
                helper.awaitBound("scheduler-failover", "first");
                assertFalse(b.isLeader(), "only one scheduler leads");
                assertEquals("scheduler-a", holder(client));

                a.close();
                ClusterHelper.await("scheduler-b to lead", Duration.ofSeconds(20), b::isLeader, l -> l);
                assertEquals("scheduler-b", holder(client));
                client.pods().inNamespace("scheduler-failover").resource(Fixtures.pod("second", "100m", "64Mi")
                        .editMetadata().withNamespace("scheduler-failover").withUid(null).endMetadata().build()).create();
                assertEquals("scheduler-failover-node", helper.awaitBound("scheduler-failover", "second"));
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void standbyTakesOverWhenTheLeaderIsCutOffFromTheApiserver() throws Exception {
        try (TestCluster cluster = TestCluster.start();
             CuttableProxy proxy = new CuttableProxy(cluster.apiServer().port());
             KubernetesClient clientB = cluster.newClient()) {
            KubernetesClient client = cluster.client();
            ClusterHelper helper = new ClusterHelper(client);
            if (client.namespaces().withName("kube-system").get() == null) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("kube-system").endMetadata().build()).create();
            }
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("scheduler-cut").endMetadata().build()).create();
            helper.createNode(node("scheduler-cut-node", "4", "8Gi", 110));
            Config viaProxy = KubeClients.configFrom(cluster.kubeconfig());
            viaProxy.setMasterUrl("https://127.0.0.1:" + proxy.port());
            viaProxy.setRequestTimeout(2_000);
            try (KubernetesClient clientA = new KubernetesClientBuilder().withConfig(viaProxy).build()) {
                Scheduler a = new Scheduler(clientA, options("partitioned-a"));
                Scheduler b = new Scheduler(clientB, options("standby-b"));
                try {
                    a.start();
                    ClusterHelper.await("partitioned-a to lead", Duration.ofSeconds(20), a::isLeader, l -> l);
                    b.start();
                    proxy.cut();
                    ClusterHelper.await("partitioned-a to give up leading", Duration.ofSeconds(30), a::isLeader, l -> !l);
                    ClusterHelper.await("standby-b to lead after the lease expires", Duration.ofSeconds(30), b::isLeader, l -> l);
                    assertEquals("standby-b", holder(client));
                    client.pods().inNamespace("scheduler-cut").resource(Fixtures.pod("after-cut", "100m", "64Mi")
                            .editMetadata().withNamespace("scheduler-cut").withUid(null).endMetadata().build()).create();
                    assertEquals("scheduler-cut-node", helper.awaitBound("scheduler-cut", "after-cut"));
                } finally {
                    a.close();
                    b.close();
                }
            }
        }
    }

    private static String holder(KubernetesClient client) {
        Lease lease = client.leases().inNamespace("kube-system").withName("kube-scheduler").get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }
}
