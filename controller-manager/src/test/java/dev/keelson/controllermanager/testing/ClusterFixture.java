package dev.keelson.controllermanager.testing;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.ControllerManager;
import dev.keelson.controllermanager.ControllerManagerOptions;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.UUID;
import java.util.function.Consumer;

/** A TestCluster with one ControllerManager (no leader election) running against it. */
public final class ClusterFixture implements AutoCloseable {
    private final TestCluster cluster;
    private final KubernetesClient managerClient;
    private final ControllerManager manager;

    private ClusterFixture(TestCluster cluster, KubernetesClient managerClient, ControllerManager manager) {
        this.cluster = cluster;
        this.managerClient = managerClient;
        this.manager = manager;
    }

    public static ClusterFixture start(Consumer<ControllerManagerOptions.Builder> customize) {
        ControllerManagerOptions.Builder options = ControllerManagerOptions.builder()
                .leaderElect(false).bindAddress("127.0.0.1").securePort(0);
        customize.accept(options);
        TestCluster cluster = TestCluster.start();
        KubernetesClient managerClient = cluster.newClient();
        ControllerManager manager = new ControllerManager(managerClient, options.build());
        manager.start();
        return new ClusterFixture(cluster, managerClient, manager);
    }

    public static ClusterFixture start() {
        return start(o -> { });
    }

    public KubernetesClient client() {
        return cluster.client();
    }

    public TestCluster cluster() {
        return cluster;
    }

    public ControllerManager manager() {
        return manager;
    }

    /** Creates a namespace with a unique name starting with {@code prefix}. */
    public String namespace(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    @Override
    public void close() {
        manager.close();
        managerClient.close();
        cluster.close();
    }
}
