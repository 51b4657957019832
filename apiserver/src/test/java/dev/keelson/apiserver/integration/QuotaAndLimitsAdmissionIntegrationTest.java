package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * LimitRanger and ResourceQuota admission on a real etcd with Kubernetes' messages. The quota's status is written
 * here as the resourcequota controller writes it (the controller itself is tested in the controller-manager), so the
 * plugin's checks and charges are seen alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuotaAndLimitsAdmissionIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of("alice-token,alice,1,\"dev\""));
    TestCluster cluster;
    ApiHttp alice;

    @BeforeAll
    void start() {
        cluster = TestCluster.start(o -> o.withTokenAuthFile(TOKENS));
        alice = new ApiHttp(cluster, "alice-token");
        // alice is not in system:masters, so admission (not authorization) is what stops her here
        cluster.client().rbac().clusterRoleBindings().resource(new io.fabric8.kubernetes.api.model.rbac
                .ClusterRoleBindingBuilder().withNewMetadata().withName("alice-admin").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject().withKind("User").withApiGroup("rbac.authorization.k8s.io").withName("alice")
                .endSubject().build()).create();
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    void namespace(String name) {
        ApiHttp.Response r = alice.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\"}}");
        assertEquals(201, r.code(), r.body());
    }

    static String pod(String name, String resources) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\""
                + (resources == null ? "" : ",\"resources\":" + resources) + "}]}}";
    }

    @Test
    void limitRangerDefaultsAndBoundsContainers() {
        namespace("limits");
        ApiHttp.Response lr = alice.post("/api/v1/namespaces/limits/limitranges", "{\"metadata\":{\"name\":\"lr\"},"
                + "\"spec\":{\"limits\":[{\"type\":\"Container\",\"default\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"},"
                + "\"defaultRequest\":{\"cpu\":\"250m\"},\"max\":{\"cpu\":\"1\"},\"min\":{\"cpu\":\"100m\"},"
                + "\"maxLimitRequestRatio\":{\"memory\":\"2\"}}]}}");
        assertEquals(201, lr.code(), lr.body());

        ApiHttp.Response plain = alice.post("/api/v1/namespaces/limits/pods", pod("plain", null));
        assertEquals(201, plain.code(), plain.body());
        JsonNode resources = plain.json().path("spec").path("containers").get(0).path("resources");
        assertEquals("250m", resources.path("requests").path("cpu").asText());
        assertEquals("256Mi", resources.path("requests").path("memory").asText());
        assertEquals("500m", resources.path("limits").path("cpu").asText());
        assertEquals("256Mi", resources.path("limits").path("memory").asText());
        assertEquals("LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c",
                plain.json().path("metadata").path("annotations").path("kubernetes.io/limit-ranger").asText());

        ApiHttp.Response big = alice.post("/api/v1/namespaces/limits/pods", pod("big",
                "{\"limits\":{\"cpu\":\"1500m\",\"memory\":\"256Mi\"}}"));
        assertEquals(403, big.code(), big.body());
        assertEquals("pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 1500m",
                big.message());

        ApiHttp.Response small = alice.post("/api/v1/namespaces/limits/pods", pod("small",
                "{\"requests\":{\"cpu\":\"50m\",\"memory\":\"100Mi\"},\"limits\":{\"cpu\":\"100m\",\"memory\":"
                        + "\"300Mi\"}}"));
        assertEquals(403, small.code(), small.body());
        assertEquals("pods \"small\" is forbidden: [minimum cpu usage per Container is 100m, but request is 50m, "
                + "memory max limit to request ratio per Container is 2, but provided ratio is 3.000000]",
                small.message());
        assertEquals(404, alice.get("/api/v1/namespaces/limits/pods/small").code());
    }

    @Test
    void resourceQuotaRefusesWhatExceedsItAndChargesWhatItAdmits() {
        namespace("quota");
        ApiHttp.Response q = alice.post("/api/v1/namespaces/quota/resourcequotas", "{\"metadata\":{\"name\":\"q\"},"
                + "\"spec\":{\"hard\":{\"pods\":\"2\",\"requests.cpu\":\"1\",\"count/configmaps\":\"1\"}}}");
        assertEquals(201, q.code(), q.body());
        // before the controller has seen it a quota limits nothing, as in Kubernetes
        assertEquals(201, alice.post("/api/v1/namespaces/quota/configmaps", "{\"metadata\":{\"name\":\"early\"}}")
                .code());
        assertEquals(200, alice.delete("/api/v1/namespaces/quota/configmaps/early").code());

        // the controller's first sync writes hard without usage yet: the plugin cannot decide and refuses
        status("{\"hard\":{\"pods\":\"2\",\"requests.cpu\":\"1\",\"count/configmaps\":\"1\"}}");
        ApiHttp.Response unknown = alice.post("/api/v1/namespaces/quota/configmaps", "{\"metadata\":{\"name\":\"a\"}}");
        assertEquals(403, unknown.code(), unknown.body());
        assertEquals("configmaps \"a\" is forbidden: status unknown for quota: q, resources: count/configmaps",
                unknown.message());

        status("{\"hard\":{\"pods\":\"2\",\"requests.cpu\":\"1\",\"count/configmaps\":\"1\"},\"used\":{\"pods\":\"0\","
                + "\"requests.cpu\":\"0\",\"count/configmaps\":\"0\"}}");
        ApiHttp.Response noCpu = alice.post("/api/v1/namespaces/quota/pods", pod("nocpu", null));
        assertEquals(403, noCpu.code());
        assertEquals("pods \"nocpu\" is forbidden: failed quota: q: must specify requests.cpu for: c", noCpu.message());

        assertEquals(201, alice.post("/api/v1/namespaces/quota/pods", pod("p1",
                "{\"requests\":{\"cpu\":\"600m\"}}")).code());
        JsonNode used = alice.get("/api/v1/namespaces/quota/resourcequotas/q").json().path("status").path("used");
        assertEquals("1", used.path("pods").asText());
        assertEquals("600m", used.path("requests.cpu").asText());

        ApiHttp.Response over = alice.post("/api/v1/namespaces/quota/pods", pod("p2",
                "{\"requests\":{\"cpu\":\"500m\"}}"));
        assertEquals(403, over.code(), over.body());
        assertEquals("pods \"p2\" is forbidden: exceeded quota: q, requested: requests.cpu=500m, used: "
                + "requests.cpu=600m, limited: requests.cpu=1", over.message());

        // a dry run is checked but not charged
        ApiHttp.Response dry = alice.post("/api/v1/namespaces/quota/configmaps?dryRun=All",
                "{\"metadata\":{\"name\":\"dry\"}}");
        assertEquals(201, dry.code(), dry.body());
        assertEquals("0", alice.get("/api/v1/namespaces/quota/resourcequotas/q").json().path("status").path("used")
                .path("count/configmaps").asText());
    }

    @Test
    void concurrentCreatesNeverOvershootTheQuota() throws Exception {
        namespace("race");
        assertEquals(201, alice.post("/api/v1/namespaces/race/resourcequotas", "{\"metadata\":{\"name\":\"cm\"},"
                + "\"spec\":{\"hard\":{\"configmaps\":\"5\"}}}").code());
        ApiHttp.Response s = alice.send("PUT", "/api/v1/namespaces/race/resourcequotas/cm/status",
                "{\"metadata\":{\"name\":\"cm\"},\"spec\":{\"hard\":{\"configmaps\":\"5\"}},\"status\":{\"hard\":"
                        + "{\"configmaps\":\"5\"},\"used\":{\"configmaps\":\"0\"}}}", "application/json");
        assertEquals(200, s.code(), s.body());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<ApiHttp.Response>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String name = "c" + i;
            results.add(pool.submit(() -> alice.post("/api/v1/namespaces/race/configmaps",
                    "{\"metadata\":{\"name\":\"" + name + "\"}}")));
        }
        int created = 0;
        int refused = 0;
        for (Future<ApiHttp.Response> f : results) {
            ApiHttp.Response r = f.get();
            if (r.code() == 201) {
                created++;
            } else {
                assertEquals(403, r.code(), r.body());
                assertTrue(r.message().contains("exceeded quota: cm, requested: configmaps=1, used: configmaps=5, "
                        + "limited: configmaps=5"), r.message());
                refused++;
            }
        }
        pool.shutdown();
        assertEquals(5, created);
        assertEquals(15, refused);
        assertEquals(5, alice.get("/api/v1/namespaces/race/configmaps").json().path("items").size());
        assertEquals("5", alice.get("/api/v1/namespaces/race/resourcequotas/cm").json().path("status").path("used")
                .path("configmaps").asText());
    }

    void status(String status) {
        JsonNode current = alice.get("/api/v1/namespaces/quota/resourcequotas/q").json();
        String body = "{\"metadata\":{\"name\":\"q\",\"resourceVersion\":\"" + current.path("metadata")
                .path("resourceVersion").asText() + "\"},\"spec\":" + current.path("spec") + ",\"status\":" + status
                + "}";
        ApiHttp.Response r = alice.send("PUT", "/api/v1/namespaces/quota/resourcequotas/q/status", body,
                "application/json");
        assertEquals(200, r.code(), r.body());
    }
}
