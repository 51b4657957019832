package dev.keelson.e2e.multinode;

import static dev.keelson.e2e.multinode.NginxApp.describe;
import static dev.keelson.e2e.multinode.NginxApp.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.e2e.multinode.Commands.Result;
import dev.keelson.e2e.support.Kubectl;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The story on a three-node cluster whose apiserver stores into a 3-member etcd (one member per node): the etcd
 * leader is killed with SIGKILL in the middle of a rolling update, and nothing may be lost: the rollout completes,
 * the Service drops no request, every object keeps its data, writes keep working, and the member rejoins.
 * Steps run in order and build on each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdMemberLossTest {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdMemberLossTest.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NODES = 3;
    private static final String APP = "web";
    private static final int REPLICAS = 4;
    /** minReadySeconds stretches the rollout, so that the kill lands in its middle. */
    private static final NginxApp WEB = new NginxApp(APP, "default", 3, null);
    private static final String LEDGER = "ledger";
    private static final int LEDGER_CONFIGMAPS = 20;

    private final ScriptedCluster cluster = new ScriptedCluster("keelson-me", "10.78.0", NODES);
    private final Path kubeconfig = cluster.kubeconfig();
    private KubernetesClient client;
    private String serviceIp;
    private int killedMember;

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            cluster.printLogs(context.getDisplayName());
        }
    };

    @BeforeAll
    void bringClusterUp() {
        cluster.up("--etcd-members", "3");
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
    void deploymentAndConfigMapsAreServedFromAThreeMemberEtcd() {
        Result health = cluster.script(30, "etcdctl", "endpoint", "health");
        assertEquals(3, health.out().lines().filter(l -> l.contains("is healthy")).count(), "etcd health:\n" + health);
        cluster.apply(WEB.manifest("nginx:1.22", REPLICAS));
        cluster.apply(ledger());
        // kubectl create sends a protobuf body, apply sends JSON: objects written both ways must survive the kill.
        cluster.kubectlOk(null, "create", "configmap", "written-before", "-n", LEDGER,
                "--from-literal=when=before the kill");
        awaitReadyPods("nginx:1.22", Duration.ofSeconds(90));
        serviceIp = client.services().inNamespace("default").withName(APP).get().getSpec().getClusterIP();
        cluster.awaitHttp200(2, "http://" + serviceIp + "/", Duration.ofSeconds(30));
        // the ledger's ConfigMaps and the kube-root-ca.crt the root-ca-cert-publisher keeps in every namespace
        assertEquals(LEDGER_CONFIGMAPS + 1, client.configMaps().inNamespace(LEDGER).list().getItems().stream()
                .filter(c -> !"kube-root-ca.crt".equals(c.getMetadata().getName())).count());
    }

    @Test
    @Order(2)
    void rollingUpdateLosesNothingWhenTheEtcdLeaderIsKilledMidway() throws Exception {
        try (CurlLoop loop = CurlLoop.start(cluster.nodeName(2), "http://" + serviceIp + "/")) {
            loop.awaitRequests(5, Duration.ofSeconds(30));
            cluster.apply(WEB.manifest("nginx:1.22-alt", REPLICAS));
            // Midway: some pods of the new template serve while some of the old one still run.
            Commands.await("a rollout midway (new and old pods ready)", Duration.ofSeconds(90), () -> describe(webPods()),
                    seen -> countReady("nginx:1.22-alt") >= 1 && countReady("nginx:1.22") >= 1);
            Map<String, JsonNode> before = snapshot();
            long serverLogMark = cluster.keelsonLogSize(1);
            String leader = cluster.scriptOk(30, "etcd-leader").trim();
            killedMember = Integer.parseInt(leader);
            cluster.scriptOk(30, "kill-etcd", leader);
            Instant killedAt = Instant.now();
            LOG.info("killed etcd leader n{} (kill -9) during the rollout at {}; pods then: {}", leader, killedAt,
                    describe(webPods()));

            // Retried until the deadline; AlreadyExists means an earlier attempt was stored although its answer was
            // lost, and the read below checks what was stored.
            AtomicInteger attempts = new AtomicInteger();
            Commands.await("a ConfigMap created after the kill", Duration.ofSeconds(30), () -> {
                attempts.incrementAndGet();
                return Kubectl.run(kubeconfig, null, "create", "configmap", "written-after-kill", "-n", LEDGER,
                        "--from-literal=when=after the leader was killed").toString();
            }, seen -> seen.startsWith("exit 0") || seen.contains("AlreadyExists"));
            LOG.info("ConfigMap written {} ms after the kill, in {} attempt(s)",
                    Duration.between(killedAt, Instant.now()).toMillis(), attempts.get());
            assertEquals("after the leader was killed",
                    client.configMaps().inNamespace(LEDGER).withName("written-after-kill").get().getData().get("when"));

            // Two of three members are a quorum: a load balancer in front of the apiserver must keep it.
            Commands.await("apiserver /readyz with one etcd member down", Duration.ofSeconds(30),
                    () -> Kubectl.run(kubeconfig, null, "get", "--raw", "/readyz").toString(),
                    seen -> seen.startsWith("exit 0"));
            cluster.kubectlOk(null, "rollout", "status", "deployment/" + APP, "--timeout=180s");
            awaitReadyPods("nginx:1.22-alt", Duration.ofSeconds(60));
            // How the apiserver saw the loss of the member (its etcd client's failover), for the record.
            List<String> complaints = cluster.keelsonLogSince(1, serverLogMark).stream()
                    .filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
            LOG.info("server warnings and errors after the kill ({}):\n{}", complaints.size(),
                    String.join("\n", complaints.subList(0, Math.min(40, complaints.size()))));
            loop.awaitRequests(loop.total() + 5, Duration.ofSeconds(30));
            CurlLoop.Counts counts = loop.stop();
            LOG.info("curl loop during the rolling update with the etcd leader killed: {}", counts);
            assertTrue(counts.total() >= 10, "too few requests to judge: " + counts);
            assertEquals(0, counts.failed(), "failed requests during the rolling update: " + counts);

            Map<String, JsonNode> after = snapshot();
            Map<String, JsonNode> survivors = new TreeMap<>(after);
            survivors.keySet().retainAll(before.keySet());
            assertEquals(before.keySet(), survivors.keySet(), "objects from before the kill missing after it");
            for (Map.Entry<String, JsonNode> e : before.entrySet()) {
                assertEquals(e.getValue(), after.get(e.getKey()), e.getKey() + " before and after the kill");
            }
        }
    }

    @Test
    @Order(3)
    void killedMemberRejoinsAndCatchesUpWithWritesMadeWithoutIt() {
        assertTrue(killedMember > 0, "no member was killed by the previous step");
        cluster.scriptOk(60, "start-etcd", String.valueOf(killedMember));
        Commands.await("all 3 etcd members healthy", Duration.ofSeconds(60),
                () -> cluster.script(30, "etcdctl", "endpoint", "health").toString(),
                seen -> seen.startsWith("exit 0") && seen.lines().filter(l -> l.contains("is healthy")).count() == 3);
        // A serializable read answers from the member's own copy: it has the write it missed once it has caught up.
        awaitLocalRead(killedMember, "written-after-kill", "after the leader was killed");
        cluster.kubectlOk(null, "create", "configmap", "written-after-rejoin", "-n", LEDGER,
                "--from-literal=when=after the rejoin");
        for (int member = 1; member <= 3; member++) {
            awaitLocalRead(member, "written-after-rejoin", "after the rejoin");
        }
        Result status = cluster.script(30, "etcdctl", "endpoint", "status", "-w", "table");
        LOG.info("etcd after the rejoin:\n{}", status.out());
        cluster.kubectlOk(null, "scale", "deployment/" + APP, "--replicas=" + (REPLICAS + 1));
        Commands.await((REPLICAS + 1) + " ready web pods", Duration.ofSeconds(90), () -> describe(webPods()),
                seen -> countReady("nginx:1.22-alt") == REPLICAS + 1);
    }

    private void awaitLocalRead(int member, String configMap, String expected) {
        Commands.await("ConfigMap " + configMap + " in etcd member n" + member + "'s own copy", Duration.ofSeconds(30),
                // through cluster.sh for its etcd client certificate; the later --endpoints names only this member
                () -> cluster.script(15, "etcdctl", "--endpoints", "https://" + cluster.nodeIp(member) + ":2379",
                        "get", "/registry/configmaps/" + LEDGER + "/" + configMap, "--consistency=s",
                        "--print-value-only").toString(),
                seen -> seen.startsWith("exit 0") && seen.contains(expected));
    }

    /** Deployments, Services and ConfigMaps of every namespace by kind/namespace/name, minus what changes by design. */
    private Map<String, JsonNode> snapshot() {
        Kubectl.Result r = Kubectl.run(kubeconfig, null, "get", "deployments,services,configmaps", "-A", "-o", "json");
        assertEquals(0, r.code(), "kubectl get:\n" + r);
        Map<String, JsonNode> objects = new TreeMap<>();
        try {
            for (JsonNode item : JSON.readTree(r.out()).path("items")) {
                ObjectNode copy = item.deepCopy();
                copy.remove("status");
                ObjectNode meta = (ObjectNode) copy.path("metadata");
                meta.remove("resourceVersion");
                // Field-manager bookkeeping carries the time of each controller's last status write.
                meta.remove("managedFields");
                objects.put(item.path("kind").asText() + "/" + meta.path("namespace").asText() + "/"
                        + meta.path("name").asText(), copy);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(objects.keySet().stream().filter(k -> k.startsWith("ConfigMap/" + LEDGER + "/")).count()
                >= LEDGER_CONFIGMAPS, "ledger ConfigMaps in the snapshot: " + objects.keySet());
        return objects;
    }

    /** A namespace of ConfigMaps with multi-line, non-ASCII and binary data: what must survive byte for byte. */
    private static String ledger() {
        StringBuilder yaml = new StringBuilder("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: %s}
                """.formatted(LEDGER));
        for (int i = 0; i < LEDGER_CONFIGMAPS; i++) {
            yaml.append("""
                    ---
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: entry-%1$02d, namespace: %2$s, labels: {entry: "%1$d"}}
                    data:
                      amount: "%3$d"
                      note: "Zeile %1$d: Grüße, ½ € – ok"
                      lines: |
                        first line of entry %1$d
                        second line
                    binaryData:
                      blob: %4$s
                    """.formatted(i, LEDGER, i * 1000 + 7,
                    java.util.Base64.getEncoder().encodeToString(new byte[] {0, (byte) i, (byte) 0xff, 10})));
        }
        return yaml.toString();
    }

    private List<Pod> webPods() {
        return client.pods().inNamespace("default").withLabel("app", APP).list().getItems();
    }

    private static boolean ready(Pod p) {
        return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private long countReady(String image) {
        return webPods().stream().filter(EtcdMemberLossTest::ready).filter(p -> image(p).equals(image)).count();
    }

    /** Waits until exactly {@link #REPLICAS} pods exist, all ready and on {@code image}. */
    private void awaitReadyPods(String image, Duration timeout) {
        Commands.await(REPLICAS + " ready web pods on " + image + " and no other", timeout, () -> describe(webPods()),
                seen -> {
                    List<Pod> all = webPods();
                    return all.size() == REPLICAS && all.stream().allMatch(p -> ready(p) && image(p).equals(image));
                });
    }
}
