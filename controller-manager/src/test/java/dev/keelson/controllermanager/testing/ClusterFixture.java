package dev.keelson.controllermanager.testing;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.controllermanager.ControllerManager;
import dev.keelson.controllermanager.ControllerManagerOptions;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A TestCluster with one ControllerManager (no leader election) running against it, as a JUnit extension: a test
 * class declares it in a {@code @RegisterExtension static final} field with the options it needs; it starts before
 * the class's first test and stops after its last.
 */
public final class ClusterFixture implements BeforeAllCallback, AfterAllCallback {
    private final Consumer<ControllerManagerOptions.Builder> customize;
    private TestCluster cluster;
    private KubernetesClient managerClient;
    private ControllerManager manager;

    private ClusterFixture(Consumer<ControllerManagerOptions.Builder> customize) {
        this.customize = customize;
    }

    /** A controller-manager with every controller and its default options. */
    public static ClusterFixture allControllers() {
        return withOptions(o -> { });
    }

    /** A controller-manager whose options {@code customize} changes from the defaults. */
    public static ClusterFixture withOptions(Consumer<ControllerManagerOptions.Builder> customize) {
        return new ClusterFixture(customize);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ControllerManagerOptions.Builder options = ControllerManagerOptions.builder()
                .leaderElect(false).bindAddress("127.0.0.1").securePort(0);
        customize.accept(options);
        cluster = TestCluster.start();
        managerClient = cluster.newClient();
        manager = new ControllerManager(managerClient, options.build());
        manager.start();
    }

    /** The admin client of the cluster. */
    public KubernetesClient client() {
        return cluster().client();
    }

    public TestCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the cluster starts before the test class's first test");
        }
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
    public void afterAll(ExtensionContext context) {
        if (manager != null) {
            manager.close();
        }
        if (managerClient != null) {
            managerClient.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
