package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.testing.KindRequests;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ReplicationControllers, PodTemplates, LimitRanges, ResourceQuotas and ControllerRevisions, served through their
 * registrations on a real etcd, asked the way kubectl asks: create with JSON (and protobuf), get as a Table,
 * discovery with short names, scale, status writes, and 422 Invalid with causes for bad objects.
 */
class WorkloadAndPolicyKindsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCluster cluster;
    private static KindRequests api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        api = new KindRequests(cluster, "");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void replicationControllerIsCreatedListedAsATableAndScaled() throws Exception {
        String rcs = "/api/v1/namespaces/default/replicationcontrollers";
        KindRequests.Answer created = api.create(rcs, "{'apiVersion':'v1','kind':'ReplicationController','metadata':{'name':'web'},"
                + "'spec':{'replicas':2,'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'containers':[{'name':'nginx','image':'nginx:1.27'}]}}}}");
        assertEquals(201, created.code(), created.body().toString());
        assertEquals("web", created.body().at("/spec/selector/app").asText(), "selector defaulted from the template");
        assertEquals(1, created.body().at("/metadata/generation").asInt());

        JsonNode t = api.table(rcs).body();
        assertEquals(List.of("Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"),
                KindRequests.columns(t));
        assertEquals("web", KindRequests.cells(t, 0).get(0).asText());
        assertEquals(2, KindRequests.cells(t, 0).get(1).asInt());
        assertEquals("app=web", KindRequests.cells(t, 0).get(7).asText());

        KindRequests.Answer scaled = api.send("PATCH", rcs + "/web/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}",
                "application/json, */*");
        assertEquals(200, scaled.code(), scaled.body().toString());
        assertEquals("Scale", scaled.body().path("kind").asText());
        assertEquals(5, scaled.body().at("/spec/replicas").asInt());
        assertEquals("app=web", scaled.body().at("/status/selector").asText());
        JsonNode after = api.send("GET", rcs + "/web", null, null, "application/json").body();
        assertEquals(5, after.at("/spec/replicas").asInt());
        assertEquals(2, after.at("/metadata/generation").asInt());

        api.assertInvalid(api.create(rcs, "{'metadata':{'name':'bad'},'spec':{'selector':{'app':'db'},'template':{"
                        + "'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'x'}]}}}}"),
                "ReplicationController", "bad", "spec.template.metadata.labels",
                "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`");
    }

    @Test
    void discoveryServesTheShortNamesAndCategoriesKubectlResolves() throws Exception {
        JsonNode v1 = api.send("GET", "/api/v1", null, null, "application/json, */*").body();
        JsonNode apps = api.send("GET", "/apis/apps/v1", null, null, "application/json, */*").body();
        assertEquals("[\"rc\"]", resource(v1, "replicationcontrollers").path("shortNames").toString());
        assertEquals("[\"all\"]", resource(v1, "replicationcontrollers").path("categories").toString());
        assertEquals("[\"limits\"]", resource(v1, "limitranges").path("shortNames").toString());
        assertEquals("[\"quota\"]", resource(v1, "resourcequotas").path("shortNames").toString());
        assertEquals("PodTemplate", resource(v1, "podtemplates").path("kind").asText());
        assertTrue(resource(v1, "replicationcontrollers/scale").isObject());
        assertTrue(resource(v1, "resourcequotas/status").isObject());
        assertEquals("ControllerRevision", resource(apps, "controllerrevisions").path("kind").asText());
        JsonNode openapi = api.send("GET", "/openapi/v3/api/v1", null, null, "application/json").body();
        assertTrue(openapi.at("/components/schemas").has("io.k8s.api.core.v1.LimitRange"),
                "the LimitRange schema is published for kubectl's validation");
    }

    private static JsonNode resource(JsonNode list, String name) {
        for (JsonNode r : list.path("resources")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        return JSON.missingNode();
    }

    @Test
    void podTemplateIsCreatedFromProtobufAndListedWithItsPodLabels() throws Exception {
        V1.PodTemplate template = V1.PodTemplate.newBuilder()
                .setMetadata(Meta.ObjectMeta.newBuilder().setName("tmpl"))
                .setTemplate(V1.PodTemplateSpec.newBuilder()
                        .setMetadata(Meta.ObjectMeta.newBuilder().putLabels("app", "batch"))
                        .setSpec(V1.PodSpec.newBuilder().addContainers(V1.Container.newBuilder().setName("main")
                                .setImage("busybox")))).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {0x6b, 0x38, 0x73, 0x00});
        Runtime.Unknown.newBuilder().setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion("v1")
                .setKind("PodTemplate")).setRaw(template.toByteString()).build().writeTo(out);
        HttpClient http = cluster.client().getHttpClient();
        HttpResponse<String> r = http.sendAsync(http.newHttpRequestBuilder()
                .uri(cluster.url() + "/api/v1/namespaces/default/podtemplates")
                .post("application/vnd.kubernetes.protobuf", out.toByteArray()).build(), String.class)
                .get(30, TimeUnit.SECONDS);
        assertEquals(201, r.code(), r.body());
        assertEquals("ClusterFirst", JSON.readTree(r.body()).at("/template/spec/dnsPolicy").asText(),
                "the template's pod spec is defaulted");

        JsonNode t = api.table("/api/v1/namespaces/default/podtemplates").body();
        assertEquals(List.of("Name", "Containers", "Images", "Pod Labels"), KindRequests.columns(t));
        assertEquals("[\"tmpl\",\"main\",\"busybox\",\"app=batch\"]", KindRequests.cells(t, 0).toString());
    }

    @Test
    void limitRangeIsDefaultedListedWithItsCreationTimeAndRefusedOutOfOrder() throws Exception {
        String lrs = "/api/v1/namespaces/default/limitranges";
        KindRequests.Answer created = api.create(lrs, "{'metadata':{'name':'mem'},'spec':{'limits':[{'type':'Container',"
                + "'max':{'memory':'1Gi'},'min':{'memory':'64Mi'}}]}}");
        assertEquals(201, created.code(), created.body().toString());
        assertEquals("1Gi", created.body().at("/spec/limits/0/default/memory").asText());
        assertEquals("1Gi", created.body().at("/spec/limits/0/defaultRequest/memory").asText());

        JsonNode t = api.table(lrs + "/mem").body();
        assertEquals(List.of("Name", "Created At"), KindRequests.columns(t));
        assertEquals(created.body().at("/metadata/creationTimestamp").asText(), KindRequests.cells(t, 0).get(1).asText());

        api.assertInvalid(api.create(lrs, "{'metadata':{'name':'bad'},'spec':{'limits':[{'type':'Container',"
                        + "'min':{'cpu':'2'},'max':{'cpu':'1'}}]}}"), "LimitRange", "bad", "spec.limits[0].min[cpu]",
                "Invalid value: \"2\": min value 2 is greater than max value 1");
        assertEquals(404, api.send("GET", lrs + "/bad", null, null, "application/json").code(), "nothing was written");
    }

    @Test
    void resourceQuotaStartsWithoutStatusAndShowsTheUsageWrittenToIt() throws Exception {
        String quotas = "/api/v1/namespaces/default/resourcequotas";
        KindRequests.Answer created = api.create(quotas, "{'metadata':{'name':'compute'},'spec':{'hard':{'pods':'10',"
                + "'requests.cpu':'2','limits.memory':'4Gi'}},'status':{'used':{'pods':'99'}}}");
        assertEquals(201, created.code(), created.body().toString());
        assertFalse(created.body().at("/status/used").isObject(), "a client may not set usage on create");
        assertFalse(created.body().at("/metadata/generation").isNumber());

        JsonNode status = JSON.readTree(created.body().toString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) status).putObject("status").set("hard",
                created.body().at("/spec/hard"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) status.path("status")).putObject("used").put("pods", "3")
                .put("requests.cpu", "500m");
        KindRequests.Answer written = api.send("PUT", quotas + "/compute/status", "application/json", status.toString(),
                "application/json");
        assertEquals(200, written.code(), written.body().toString());

        JsonNode t = api.table(quotas).body();
        assertEquals(List.of("Name", "Age", "Request", "Limit"), KindRequests.columns(t));
        assertEquals("pods: 3/10, requests.cpu: 500m/2", KindRequests.cells(t, 0).get(2).asText());
        assertEquals("limits.memory: 0/4Gi", KindRequests.cells(t, 0).get(3).asText());

        api.assertInvalid(api.create(quotas, "{'metadata':{'name':'bad'},'spec':{'hard':{'pods':'1500m'}}}"),
                "ResourceQuota", "bad", "spec.hard[pods]", "Invalid value: \"1500m\": must be an integer");
    }

    @Test
    void controllerRevisionShowsItsControllerAndKeepsItsData() throws Exception {
        String revisions = "/apis/apps/v1/namespaces/default/controllerrevisions";
        KindRequests.Answer created = api.create(revisions, "{'metadata':{'name':'fluentd-1','ownerReferences':[{'apiVersion':"
                + "'apps/v1','kind':'DaemonSet','name':'fluentd','uid':'0b1e','controller':true}]},"
                + "'data':{'spec':{'template':{}}},'revision':1}");
        assertEquals(201, created.code(), created.body().toString());

        JsonNode t = api.table(revisions).body();
        assertEquals(List.of("Name", "Controller", "Revision", "Age"), KindRequests.columns(t));
        assertEquals("daemonset.apps/fluentd", KindRequests.cells(t, 0).get(1).asText());
        assertEquals(1, KindRequests.cells(t, 0).get(2).asInt());

        KindRequests.Answer changed = api.send("PATCH", revisions + "/fluentd-1", "application/merge-patch+json",
                "{\"data\":{\"spec\":{\"template\":{\"x\":1}}}}", "application/json");
        assertEquals(422, changed.code(), changed.body().toString());
        assertEquals("data", changed.body().at("/details/causes/0/field").asText());
        assertTrue(changed.body().at("/details/causes/0/message").asText().endsWith("field is immutable"));
    }
}
