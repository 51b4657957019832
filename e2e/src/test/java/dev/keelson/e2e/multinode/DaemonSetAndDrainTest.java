package dev.keelson.e2e.multinode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Workloads on the three-node cluster of scripts/cluster.sh: a DaemonSet of nginx runs one pod on every node and
 * rolls to another tag across them (the time it takes is logged: the figure docs/bench-deploy.md quotes), then
 * {@code kubectl drain} of a node whose web pods a PodDisruptionBudget guards while a curl loop asks the Service.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DaemonSetAndDrainTest {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonSetAndDrainTest.class);
    private static final int NODES = 3;
    private static final NginxApp WEB = new NginxApp("web", null, 0, null);

    private final ScriptedCluster cluster = new ScriptedCluster("keelson-ds", "10.78.0", NODES);
    private final Path kubeconfig = cluster.kubeconfig();
    private KubernetesClient client;

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            cluster.printLogs(context.getDisplayName());
        }
    };

    @BeforeAll
    void bringClusterUp() {
        cluster.up();
        cluster.tagOnEveryNode("nginx:1.22", "nginx:1.22-alt");
        client = KubeClients.fromKubeconfig(kubeconfig);
    }

    @AfterAll
    void tearDown() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            cluster.down();
        }
    }

    private List<Pod> ready(String app) {
        return client.pods().inNamespace("default").withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .toList();
    }

    private static String daemonSet(String image) {
        return """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: agent}
                spec:
                  selector: {matchLabels: {app: agent}}
                  template:
                    metadata: {labels: {app: agent}}
                    spec:
                      containers:
                      - name: nginx
                        image: %s
                        readinessProbe:
                          httpGet: {path: /, port: 80}
                          periodSeconds: 1
                """.formatted(image);
    }

    @Test
    @Order(1)
    void daemonSetRunsOnEveryNodeAndRollsAcrossThem() {
        cluster.apply(daemonSet("nginx:1.22"));
        cluster.kubectlOk(null, "rollout", "status", "ds/agent", "--timeout=180s");
        Set<String> nodes = ready("agent").stream().map(p -> p.getSpec().getNodeName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(cluster.allNodeNames(), nodes, NginxApp.describe(ready("agent")));

        long start = System.nanoTime();
        cluster.apply(daemonSet("nginx:1.22-alt"));
        cluster.kubectlOk(null, "rollout", "status", "ds/agent", "--timeout=180s");
        long millis = (System.nanoTime() - start) / 1_000_000;
        LOG.info("DaemonSet rollout across {} nodes (maxUnavailable 1): {} ms", NODES, millis);
        Commands.await("3 ready agent pods on nginx:1.22-alt", Duration.ofSeconds(60),
                () -> NginxApp.describe(ready("agent")), seen -> ready("agent").size() == NODES
                        && ready("agent").stream().allMatch(p -> NginxApp.image(p).equals("nginx:1.22-alt")));
    }

    @Test
    @Order(2)
    void drainKeepsTheGuardedServiceAnswering() throws Exception {
        cluster.apply(WEB.manifest("nginx:1.22", 4));
        cluster.apply("""
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: web}
                spec:
                  minAvailable: 3
                  selector: {matchLabels: {app: web}}
                """);
        String drained = cluster.nodeName(3);
        Commands.await("4 ready web pods, one on " + drained, Duration.ofSeconds(120),
                () -> NginxApp.describe(ready("web")), seen -> ready("web").size() == 4
                        && ready("web").stream().anyMatch(p -> drained.equals(p.getSpec().getNodeName())));
        String serviceIp = client.services().inNamespace("default").withName("web").get().getSpec().getClusterIP();
        cluster.awaitHttp200(1, "http://" + serviceIp + "/", Duration.ofSeconds(30));
        Commands.await("the budget allows one disruption", Duration.ofSeconds(60), () -> String.valueOf(client
                        .resources(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class)
                        .inNamespace("default").withName("web").get().getStatus()),
                seen -> seen.contains("disruptionsAllowed=1"));
        try (CurlLoop loop = CurlLoop.start(cluster.nodeName(1), "http://" + serviceIp + "/")) {
            loop.awaitRequests(5, Duration.ofSeconds(30));
            cluster.kubectlOk(null, "drain", drained, "--ignore-daemonsets", "--delete-emptydir-data",
                    "--timeout=240s");
            Commands.await("4 ready web pods, none on " + drained, Duration.ofSeconds(120),
                    () -> NginxApp.describe(ready("web")), seen -> ready("web").size() == 4
                            && ready("web").stream().noneMatch(p -> drained.equals(p.getSpec().getNodeName())));
            loop.awaitRequests(loop.total() + 5, Duration.ofSeconds(30));
            CurlLoop.Counts counts = loop.stop();
            LOG.info("curl loop during the drain: {}", counts);
            assertTrue(counts.total() >= 10, "too few requests to judge: " + counts);
            assertEquals(0, counts.failed(), "failed requests during the drain: " + counts);
        }
        assertTrue(ready("agent").stream().anyMatch(p -> drained.equals(p.getSpec().getNodeName())),
                "the DaemonSet pod stays on the drained node");
        cluster.kubectlOk(null, "uncordon", drained);
    }
}
