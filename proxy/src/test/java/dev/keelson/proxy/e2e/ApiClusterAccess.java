package dev.keelson.proxy.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * The apiserver's TestCluster fixture (real etcd + in-process apiserver), loaded by name so this module's
 * tests compile before the apiserver's test-jar carries it; {@link #available()} says whether it does.
 */
public final class ApiClusterAccess implements AutoCloseable {
    private static final String FIXTURE = "dev.keelson.apiserver.testing.TestCluster";
    private final AutoCloseable cluster;

    private ApiClusterAccess(AutoCloseable cluster) {
        this.cluster = cluster;
    }

    public static boolean available() {
        try {
            Class.forName(FIXTURE);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    public static ApiClusterAccess start() {
        try {
            return new ApiClusterAccess((AutoCloseable) Class.forName(FIXTURE).getMethod("start").invoke(null));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start " + FIXTURE, e);
        }
    }

    public KubernetesClient client() {
        try {
            return (KubernetesClient) cluster.getClass().getMethod("client").invoke(cluster);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
