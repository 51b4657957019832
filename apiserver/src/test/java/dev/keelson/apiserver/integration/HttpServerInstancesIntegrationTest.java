package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several HTTP server instances (one per event loop) share one port: clients on separate connections, served by
 * different instances at once, all get their writes stored and see one ordered watch stream.
 */
class HttpServerInstancesIntegrationTest {
    static final int CLIENTS = 8;
    static final int PER_CLIENT = 25;

    @Test
    void concurrentClientsOnSeveralEventLoopsShareOnePortAndOneOrderedHistory() throws Exception {
        try (TestCluster cluster = TestCluster.start(o -> o.withHttpServers(4))) {
            List<Long> seen = new CopyOnWriteArrayList<>();
            List<String> names = new CopyOnWriteArrayList<>();
            Watch watch = cluster.client().configMaps().inNamespace("default").withLabel("load", "parallel")
                    .watch(new Watcher<ConfigMap>() {
                        @Override
                        public void eventReceived(Action action, ConfigMap cm) {
                            if (action == Action.ADDED) {
                                seen.add(Long.parseLong(cm.getMetadata().getResourceVersion()));
                                names.add(cm.getMetadata().getName());
                            }
                        }

                        @Override
                        public void onClose(WatcherException cause) {
                        }
                    });
            List<KubernetesClient> clients = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            try {
                List<CompletableFuture<Void>> done = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    KubernetesClient client = cluster.newClient();
                    clients.add(client);
                    int id = c;
                    done.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < PER_CLIENT; i++) {
                            client.configMaps().inNamespace("default").resource(new ConfigMapBuilder()
                                    .withNewMetadata().withName("cm-" + id + "-" + i).addToLabels("load", "parallel")
                                    .endMetadata().addToData("i", Integer.toString(i)).build()).create();
                        }
                    }, pool));
                }
                CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
                int expected = CLIENTS * PER_CLIENT;
                assertEquals(expected, cluster.client().configMaps().inNamespace("default").withLabel("load", "parallel")
                        .list().getItems().size());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (seen.size() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(expected, seen.size(), "ADDED events seen by the watch");
                assertEquals(expected, names.stream().distinct().count(), "each object announced once");
                for (int i = 1; i < seen.size(); i++) {
                    assertTrue(seen.get(i) > seen.get(i - 1), "watch events in resourceVersion order at " + i + ": "
                            + seen.get(i - 1) + " then " + seen.get(i));
                }
            } finally {
                watch.close();
                clients.forEach(KubernetesClient::close);
                pool.shutdownNow();
            }
        }
    }
}
