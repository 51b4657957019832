package dev.keelson.apiserver.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.testing.RawHttps;
import dev.keelson.apiserver.testing.TestCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bodies that a lenient decoder would store and that would then break every client: refused or cleaned. */
class StrictDecodingAttackTest {
    private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";
    private static final String CM = "/api/v1/namespaces/default/configmaps";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCluster cluster;
    private static RawHttps admin;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        admin = new RawHttps(cluster, cluster.apiServer().certificateAuthority().issueClient("admin",
                List.of("system:masters"), Duration.ofHours(1)));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String deployment(String name, String replicas) {
        return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"" + name + "\"},"
                + "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"a\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"a\"}},\"spec\":{\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}";
    }

    @Test
    void replicasBeyondInt32IsRefusedOnEveryWritePathAndInformersKeepDecoding() throws Exception {
        RawHttps.Response create = admin.send("POST", DEPLOYMENTS, "application/json", deployment("big", "2147483648"));
        assertEquals(400, create.code(), create.body());
        assertTrue(create.body().contains("Deployment in version \\\"v1\\\" cannot be handled as a Deployment: json: "
                + "cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32"),
                create.body());

        assertEquals(201, admin.send("POST", DEPLOYMENTS, "application/json", deployment("web", "1")).code());
        RawHttps.Response patch = admin.send("PATCH", DEPLOYMENTS + "/web", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":2147483648}}");
        assertEquals(422, patch.code(), patch.body());
        assertTrue(patch.body().contains("cannot unmarshal number 2147483648 into Go struct field "
                + "DeploymentSpec.spec.replicas of type int32"), patch.body());
        RawHttps.Response jsonPatch = admin.send("PATCH", DEPLOYMENTS + "/web", "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/ports\","
                        + "\"value\":[{\"containerPort\":1e3}]}]");
        assertEquals(422, jsonPatch.code(), jsonPatch.body());
        RawHttps.Response scale = admin.send("PUT", DEPLOYMENTS + "/web/scale", "application/json",
                "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\"},"
                        + "\"spec\":{\"replicas\":2147483648}}");
        assertEquals(400, scale.code(), scale.body());
        RawHttps.Response int64 = admin.send("POST", "/api/v1/namespaces/default/pods", "application/json",
                "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"activeDeadlineSeconds\":9223372036854775808,"
                        + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}");
        assertEquals(400, int64.code(), int64.body());
        assertTrue(int64.body().contains("PodSpec.spec.activeDeadlineSeconds of type int64"), int64.body());

        assertEquals(1, cluster.client().apps().deployments().inNamespace("default").withName("web").get().getSpec()
                .getReplicas());
        assertEquals(List.of("web"), cluster.client().apps().deployments().inNamespace("default").list().getItems()
                .stream().map(d -> d.getMetadata().getName()).toList());
    }

    @Test
    void unknownFieldsAreDroppedWithAWarningByDefaultRefusedWhenStrictAndDroppedSilentlyWhenIgnored()
            throws Exception {
        String body = "{\"metadata\":{\"name\":\"%s\",\"colour\":\"red\"},\"data\":{\"k\":\"v\"},\"extra\":1}";
        RawHttps.Response warn = admin.send("POST", CM, "application/json", body.formatted("warned"));
        assertEquals(201, warn.code(), warn.body());
        assertTrue(warn.head().contains("Warning: 299 - \"unknown field \\\"metadata.colour\\\"\""), warn.head());
        assertTrue(warn.head().contains("Warning: 299 - \"unknown field \\\"extra\\\"\""), warn.head());
        JsonNode stored = JSON.readTree(admin.send("GET", CM + "/warned", null, null).body());
        assertNull(stored.get("extra"));
        assertNull(stored.path("metadata").get("colour"));

        RawHttps.Response strict = admin.send("POST", CM + "?fieldValidation=Strict", "application/json",
                body.formatted("strict"));
        assertEquals(400, strict.code(), strict.body());
        assertTrue(strict.body().contains("ConfigMap in version \\\"v1\\\" cannot be handled as a ConfigMap: strict "
                + "decoding error: unknown field \\\"metadata.colour\\\", unknown field \\\"extra\\\""), strict.body());
        assertEquals(404, admin.send("GET", CM + "/strict", null, null).code());

        RawHttps.Response ignore = admin.send("POST", CM + "?fieldValidation=Ignore", "application/json",
                body.formatted("ignored"));
        assertEquals(201, ignore.code(), ignore.body());
        assertNull(ignore.header("Warning"));
        assertNull(JSON.readTree(admin.send("GET", CM + "/ignored", null, null).body()).get("extra"));

        RawHttps.Response patched = admin.send("PATCH", CM + "/warned", "application/merge-patch+json",
                "{\"spec\":{\"foo\":1}}");
        assertEquals(200, patched.code(), patched.body());
        assertTrue(patched.head().contains("unknown field \\\"spec\\\""), patched.head());
        assertNull(JSON.readTree(patched.body()).get("spec"));
    }

    @Test
    void duplicateFieldsAreRefusedWhenStrictAndWarnedOtherwise() throws Exception {
        String body = "{\"metadata\":{\"name\":\"%s\"},\"data\":{\"k\":\"first\",\"k\":\"second\"}}";
        RawHttps.Response strict = admin.send("POST", CM + "?fieldValidation=Strict", "application/json",
                body.formatted("dup-strict"));
        assertEquals(400, strict.code(), strict.body());
        assertTrue(strict.body().contains("strict decoding error: duplicate field \\\"data.k\\\""), strict.body());
        RawHttps.Response warn = admin.send("POST", CM, "application/json", body.formatted("dup-warn"));
        assertEquals(201, warn.code(), warn.body());
        assertTrue(warn.head().contains("duplicate field \\\"data.k\\\""), warn.head());
    }

    @Test
    void resourceVersionOnCreateIsRefused() throws Exception {
        RawHttps.Response create = admin.send("POST", CM, "application/json",
                "{\"metadata\":{\"name\":\"rv\",\"resourceVersion\":\"12\"}}");
        assertEquals(400, create.code(), create.body());
        assertTrue(create.body().contains("resourceVersion should not be set on objects to be created"),
                create.body());
    }

    @Test
    void yamlAliasesAreResolvedAndABillionLaughsIsRefused() throws Exception {
        RawHttps.Response created = admin.send("POST", CM, "application/yaml", """
                metadata:
                  name: aliased
                  labels: &labels
                    app: web
                  annotations: *labels
                data:
                  a: &v shared
                  b: *v
                """);
        assertEquals(201, created.code(), created.body());
        JsonNode stored = JSON.readTree(admin.send("GET", CM + "/aliased", null, null).body());
        assertEquals("web", stored.path("metadata").path("annotations").path("app").asText(), stored.toString());
        assertEquals("shared", stored.path("data").path("b").asText(), stored.toString());

        StringBuilder laughs = new StringBuilder("metadata: {name: laughs}\ndata:\n  l0: &l0 [\"lol\",\"lol\"]\n");
        for (int i = 1; i < 30; i++) {
            laughs.append("  l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l")
                    .append(i - 1).append("]\n");
        }
        RawHttps.Response bomb = admin.send("POST", CM, "application/yaml", laughs.toString());
        assertEquals(400, bomb.code(), bomb.body());
        assertTrue(bomb.body().contains("excessive aliasing"), bomb.body());
    }

    @Test
    void loneSurrogatesAreReplaced() throws Exception {
        RawHttps.Response created = admin.send("POST", CM, "application/json",
                "{\"metadata\":{\"name\":\"surrogates\"},\"data\":{\"k\":\"a\\ud800b\\udc00\"}}");
        assertEquals(201, created.code(), created.body());
        assertEquals("a\uFFFDb\uFFFD", cluster.client().configMaps().inNamespace("default").withName("surrogates").get()
                .getData().get("k"));
    }
}
