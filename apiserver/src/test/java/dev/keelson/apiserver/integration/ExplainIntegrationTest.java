package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real kubectl's explain reads the OpenAPI v3 documents and prints Kubernetes' descriptions of kinds and fields. */
class ExplainIntegrationTest {
    static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String explain(String what) throws Exception {
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", cluster.kubeconfig().toString(), "explain", what)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        // kubectl wraps descriptions at 80 columns: compare words, not lines
        return out.replaceAll("\\s+", " ");
    }

    @Test
    void deploymentStrategyFieldAndItsFieldsAreDescribed() throws Exception {
        String out = explain("deployment.spec.strategy");
        assertTrue(out.contains("FIELD: strategy <DeploymentStrategy>"), out);
        assertTrue(out.contains("The deployment strategy to use to replace existing pods with new ones."), out);
        assertTrue(out.contains("rollingUpdate <RollingUpdateDeployment> Rolling update config params. Present only if "
                + "DeploymentStrategyType = RollingUpdate."), out);
        assertTrue(out.contains("type <string> Type of deployment. Can be \"Recreate\" or \"RollingUpdate\". Default is "
                + "RollingUpdate."), out);
    }

    @Test
    void kindsAndMetadataAreDescribed() throws Exception {
        String pod = explain("pods");
        assertTrue(pod.contains("Pod is a collection of containers that can run on a host."), pod);
        String name = explain("configmaps.metadata.name");
        assertTrue(name.contains("Name must be unique within a namespace."), name);
        String restart = explain("pods.spec.restartPolicy");
        assertTrue(restart.contains("Restart policy for all containers within the pod. One of Always, OnFailure, Never."),
                restart);
    }
}
