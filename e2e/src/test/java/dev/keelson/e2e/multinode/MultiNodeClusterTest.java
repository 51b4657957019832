package dev.keelson.e2e.multinode;

import static dev.keelson.e2e.multinode.NginxApp.describe;
import static dev.keelson.e2e.multinode.NginxApp.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.e2e.support.Kubectl;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * The whole story on a three-node cluster built by scripts/cluster.sh (network namespaces, one dockerd each):
 * deploy, spread, reach the Service from every node and a pod, scale, roll without dropping a request, undo,
 * lose a node and get its pods back elsewhere, rejoin it, and restart the server under running pods.
 * Steps run in order and build on each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiNodeClusterTest {
    private static final Logger LOG = LoggerFactory.getLogger(MultiNodeClusterTest.class);
    private static final int NODES = 3;
    private static final int NODE_PORT = 30080;
    private static final String NAMESPACE = "default";
    private static final String APP = "web";
    private static final NginxApp WEB = new NginxApp(APP, null, 0, NODE_PORT);
    // Short enough that node loss is seen within the test's budget; the controller-manager's grace is 40 s.
    private static final int TOLERATION_SECONDS = 10;

    private final ScriptedCluster cluster = new ScriptedCluster("keelson-mn", "10.77.0", NODES);
    private final Path kubeconfig = cluster.kubeconfig();
    private KubernetesClient client;
    private String serviceIp;

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            cluster.printLogs(context.getDisplayName());
        }
    };

    @BeforeAll
    void bringClusterUp() {
        cluster.up("--server-arg=--default-not-ready-toleration-seconds=" + TOLERATION_SECONDS,
                "--server-arg=--default-unreachable-toleration-seconds=" + TOLERATION_SECONDS,
                "--server-arg=--node-monitor-grace-period=20s");
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

    @Test
    @Order(1)
    void deploymentOfSixSpreadsOverAllThreeNodes() {
        cluster.apply(WEB.manifest("nginx:1.22", 6));
        List<Pod> pods = awaitReadyPods(6, Duration.ofSeconds(90));
        Set<String> nodes = pods.stream().map(p -> p.getSpec().getNodeName()).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(cluster.allNodeNames(), nodes, "nodes of the 6 ready pods: " + describe(pods));
        serviceIp = client.services().inNamespace(NAMESPACE).withName(APP).get().getSpec().getClusterIP();
    }

    @Test
    @Order(2)
    void serviceIpAndNodePortAnswerFromEveryNodeAndFromAPod() {
        for (int from = 1; from <= NODES; from++) {
            cluster.awaitHttp200(from, "http://" + serviceIp + "/", Duration.ofSeconds(30));
            for (int to = 1; to <= NODES; to++) {
                cluster.awaitHttp200(from, "http://" + cluster.nodeIp(to) + ":" + NODE_PORT + "/", Duration.ofSeconds(30));
            }
        }
        cluster.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: client}
                spec:
                  containers:
                  - name: busybox
                    image: busybox:1.35
                    command: ["sleep", "3600"]
                """);
        Commands.await("client pod Running", Duration.ofSeconds(60), () -> {
            Pod p = client.pods().inNamespace(NAMESPACE).withName("client").get();
            return p == null ? "absent" : String.valueOf(p.getStatus().getPhase());
        }, "Running"::equals);
        // busybox-static's wget crashes (SIGSEGV) in this image, so the pod speaks HTTP through nc.
        List<String> targets = new ArrayList<>(List.of(serviceIp + " 80"));
        for (int to = 1; to <= NODES; to++) {
            targets.add(cluster.nodeIp(to) + " " + NODE_PORT);
        }
        for (String target : targets) {
            Commands.await("HTTP 200 from " + target + " through nc in the client pod", Duration.ofSeconds(30),
                    () -> Kubectl.run(kubeconfig, null, "exec", "client", "--", "sh", "-c",
                            "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + target).toString(),
                    seen -> seen.startsWith("exit 0") && seen.contains("HTTP/1.1 200"));
        }
    }

    @Test
    @Order(3)
    void scalesToTenAndBackToThree() {
        cluster.kubectlOk(null, "scale", "deployment/" + APP, "--replicas=10");
        awaitReadyPods(10, Duration.ofSeconds(90));
        cluster.kubectlOk(null, "scale", "deployment/" + APP, "--replicas=3");
        awaitReadyPods(3, Duration.ofSeconds(90));
    }

    @Test
    @Order(4)
    void rollingUpdateToAnotherTagDropsNoRequest() throws Exception {
        try (CurlLoop loop = CurlLoop.start(cluster.nodeName(2), "http://" + serviceIp + "/")) {
            loop.awaitRequests(5, Duration.ofSeconds(30));
            cluster.apply(WEB.manifest("nginx:1.22-alt", 3));
            cluster.kubectlOk(null, "rollout", "status", "deployment/" + APP, "--timeout=180s");
            List<Pod> pods = awaitReadyPods(3, Duration.ofSeconds(60));
            assertTrue(pods.stream().allMatch(p -> image(p).equals("nginx:1.22-alt")), "images after rollout: " + describe(pods));
            loop.awaitRequests(loop.total() + 5, Duration.ofSeconds(30));
            CurlLoop.Counts counts = loop.stop();
            LOG.info("curl loop during the rolling update: {}", counts);
            assertTrue(counts.total() >= 10, "too few requests to judge: " + counts);
            // A request to a pod being deleted fails if nginx exits before this node's proxy drops the endpoint;
            // the preStop sleep in the manifest is what closes that window in Kubernetes.
            assertEquals(0, counts.failed(), "failed requests during the rolling update: " + counts);
        }
    }

    @Test
    @Order(5)
    void rolloutUndoReturnsToThePreviousImage() {
        cluster.kubectlOk(null, "rollout", "undo", "deployment/" + APP);
        cluster.kubectlOk(null, "rollout", "status", "deployment/" + APP, "--timeout=180s");
        Commands.await("3 ready pods on nginx:1.22", Duration.ofSeconds(60), () -> describe(readyPods()),
                seen -> readyPods().size() == 3 && readyPods().stream().allMatch(p -> image(p).equals("nginx:1.22")));
    }

    @Test
    @Order(6)
    void lostNodeGoesNotReadyAndItsPodsComeBackOnTheOthers() {
        String lost = cluster.nodeName(3);
        // Make sure the lost node runs something, so that "its pods come back elsewhere" is tested.
        cluster.kubectlOk(null, "scale", "deployment/" + APP, "--replicas=6");
        Commands.await("a ready web pod on " + lost, Duration.ofSeconds(90), () -> describe(readyPods()),
                seen -> readyPods().size() == 6 && readyPods().stream().anyMatch(p -> lost.equals(p.getSpec().getNodeName())));
        cluster.scriptOk(120, "stop-node", "3");
        Commands.await(lost + " Ready condition not True", Duration.ofSeconds(90), () -> readyCondition(lost),
                seen -> seen.equals("Unknown") || seen.equals("False"));
        Commands.await("6 ready web pods, none on " + lost, Duration.ofSeconds(120), () -> describe(readyPods()), seen -> {
            List<Pod> ready = readyPods();
            return ready.size() == 6 && ready.stream().noneMatch(p -> lost.equals(p.getSpec().getNodeName()));
        });
        for (int from = 1; from <= 2; from++) {
            cluster.awaitHttp200(from, "http://" + serviceIp + "/", Duration.ofSeconds(30));
        }
    }

    @Test
    @Order(7)
    void lostNodeRejoinsReady() {
        cluster.scriptOk(120, "start-node", "3");
        Commands.await(cluster.nodeName(3) + " Ready", Duration.ofSeconds(120), () -> readyCondition(cluster.nodeName(3)), "True"::equals);
        cluster.awaitKeelsonUp(3, Duration.ofSeconds(90));
        // Pods evicted while it was away are finished off by its kubelet on return, not left Terminating.
        Commands.await("no web pod left on " + cluster.nodeName(3), Duration.ofSeconds(90),
                () -> describe(webPods().stream().filter(p -> cluster.nodeName(3).equals(p.getSpec().getNodeName())).toList()),
                "[]"::equals);
        cluster.awaitHttp200(3, "http://" + serviceIp + "/", Duration.ofSeconds(30));
    }

    @Test
    @Order(8)
    void serverRestartLeavesRunningPodsUntouched() {
        awaitReadyPods(6, Duration.ofSeconds(60));
        Map<String, String> before = containerIdsByPodUid();
        cluster.scriptOk(180, "restart-keelson", "1");
        Commands.await("apiserver /readyz after the restart", Duration.ofSeconds(120),
                () -> Kubectl.run(kubeconfig, null, "get", "--raw", "/readyz").toString(), seen -> seen.startsWith("exit 0"));
        Commands.await("all nodes Ready after the restart", Duration.ofSeconds(120),
                () -> cluster.allNodeNames().stream().map(n -> n + "=" + readyCondition(n)).toList().toString(),
                seen -> cluster.allNodeNames().stream().allMatch(n -> readyCondition(n).equals("True")));
        awaitReadyPods(6, Duration.ofSeconds(60));
        assertEquals(before, containerIdsByPodUid(), "pod uid -> container ids before and after the server restart");
        cluster.kubectlOk(null, "scale", "deployment/" + APP, "--replicas=7");
        awaitReadyPods(7, Duration.ofSeconds(90));
        for (int from = 1; from <= NODES; from++) {
            cluster.awaitHttp200(from, "http://" + serviceIp + "/", Duration.ofSeconds(30));
        }
    }

    private List<Pod> webPods() {
        return client.pods().inNamespace(NAMESPACE).withLabel("app", APP).list().getItems();
    }

    /** Pods that are Ready and not being deleted: what a user counts as serving. */
    private List<Pod> readyPods() {
        return webPods().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> p.getStatus() != null && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream()
                                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .toList();
    }

    /** Waits until exactly {@code count} pods are ready, no other web pod exists, and the Deployment agrees. */
    private List<Pod> awaitReadyPods(int count, Duration timeout) {
        Commands.await(count + " ready web pods and no other", timeout, () -> {
            Deployment d = client.apps().deployments().inNamespace(NAMESPACE).withName(APP).get();
            String status = d == null ? "no deployment" : "deployment ready=" + d.getStatus().getReadyReplicas()
                    + " updated=" + d.getStatus().getUpdatedReplicas() + " replicas=" + d.getStatus().getReplicas();
            return status + " pods=" + describe(webPods());
        }, seen -> {
            List<Pod> all = webPods();
            return readyPods().size() == count && all.size() == count;
        });
        return readyPods();
    }

    private Map<String, String> containerIdsByPodUid() {
        Map<String, String> ids = new TreeMap<>();
        for (Pod p : readyPods()) {
            ids.put(p.getMetadata().getUid(), p.getStatus().getContainerStatuses().stream()
                    .map(s -> s.getContainerID()).sorted().collect(Collectors.joining(",")));
        }
        return ids;
    }

    private String readyCondition(String node) {
        Node n = client.nodes().withName(node).get();
        if (n == null || n.getStatus() == null || n.getStatus().getConditions() == null) {
            return "absent";
        }
        return n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                .map(NodeCondition::getStatus).findFirst().orElse("none");
    }
}
