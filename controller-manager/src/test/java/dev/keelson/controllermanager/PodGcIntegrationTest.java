package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.podgc.PodGarbageCollector;
import dev.keelson.controllermanager.testing.Await;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PodGcIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static KubernetesClient gcClient;
    private static SharedInformers informers;
    private static PodGarbageCollector gc;

    @BeforeAll
    static void start() throws InterruptedException {
        cluster = TestCluster.start();
        client = cluster.client();
        gcClient = cluster.newClient();
        informers = new SharedInformers(gcClient);
        gc = new PodGarbageCollector(informers,
                new PodGarbageCollector.Options(2, Duration.ofMillis(200), Duration.ofSeconds(1)), new SimpleMeterRegistry());
        gc.run();
    }

    @AfterAll
    static void stop() {
        gc.close();
        informers.close();
        gcClient.close();
        cluster.close();
    }

    private static String namespace() {
        String name = "cm-podgc-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    private static Pod pod(String ns, String name, String node) {
        return client.pods().inNamespace(ns).resource(new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("keelson/c:1").endContainer()
                .endSpec().build()).create();
    }

    private static List<String> podNames(String ns) {
        return client.pods().inNamespace(ns).list().getItems().stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }

    @Test
    void podsBoundToANodeThatNoLongerExistsAreDeletedAndOthersStay() {
        String ns = namespace();
        String node = "cm-podgc-node-" + ns.substring(ns.length() - 8);
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
        pod(ns, "on-live-node", node);
        pod(ns, "on-ghost-node", "cm-podgc-ghost-" + ns.substring(ns.length() - 8));
        List<String> left = Await.until("pod on the missing node deleted", WAIT, () -> podNames(ns),
                names -> !names.contains("on-ghost-node"));
        assertEquals(List.of("on-live-node"), left);

        client.nodes().withName(node).delete();
        Await.until("pod of the deleted node deleted", WAIT, () -> podNames(ns), List::isEmpty);
    }

    @Test
    void oldestTerminatedPodsBeyondTheThresholdAreDeleted() {
        String ns = namespace();
        String node = "cm-podgc-node-" + ns.substring(ns.length() - 8);
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
        try {
            for (String name : List.of("t1", "t2", "t3", "t4")) {
                Pod p = pod(ns, name, node);
                p.setStatus(new io.fabric8.kubernetes.api.model.PodStatus());
                p.getStatus().setPhase("Succeeded");
                client.pods().inNamespace(ns).resource(p).updateStatus();
            }
            pod(ns, "running", node);
            List<String> left = Await.until("two oldest terminated pods deleted", WAIT, () -> podNames(ns),
                    names -> !names.contains("t1") && !names.contains("t2"));
            assertEquals(List.of("running", "t3", "t4"), left);
            assertNotNull(client.pods().inNamespace(ns).withName("t4").get());
        } finally {
            client.nodes().withName(node).delete();
        }
    }
}
