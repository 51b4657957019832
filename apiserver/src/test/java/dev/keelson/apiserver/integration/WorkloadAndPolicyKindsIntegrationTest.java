package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
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
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCluster cluster;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private record Answer(int code, JsonNode body) {
    }

    private static Answer send(String method, String path, String contentType, String body, String accept)
            throws Exception {
        HttpClient http = cluster.client().getHttpClient();
        HttpRequest.Builder b = http.newHttpRequestBuilder().uri(cluster.url() + path).header("Accept", accept);
        if (body != null) {
            b.method(method, contentType, body);
        } else {
            b.method(method, null, null);
        }
        HttpResponse<String> r = http.sendAsync(b.build(), String.class).get(30, TimeUnit.SECONDS);
        return new Answer(r.code(), JSON.readTree(r.body()));
    }

    private static Answer create(String path, String json) throws Exception {
        return send("POST", path + "?fieldManager=kubectl-create&fieldValidation=Strict", "application/json",
                json.replace('\'', '"'), "application/json");
    }

    private static Answer table(String path) throws Exception {
        return send("GET", path, null, null, TABLE);
    }

    private static List<String> columns(JsonNode table) {
        List<String> out = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> out.add(c.path("name").asText()));
        return out;
    }

    private static JsonNode cells(JsonNode table, int row) {
        return table.path("rows").path(row).path("cells");
    }

    private static void assertInvalid(Answer a, String kind, String name, String field, String message) {
        assertEquals(422, a.code(), a.body().toString());
        assertEquals("Invalid", a.body().path("reason").asText());
        assertEquals(kind, a.body().at("/details/kind").asText());
        assertEquals(name, a.body().at("/details/name").asText());
        JsonNode cause = a.body().at("/details/causes/0");
        assertEquals(field, cause.path("field").asText(), a.body().toString());
        assertEquals(message, cause.path("message").asText(), a.body().toString());
        String text = a.body().path("message").asText();
        assertTrue(text.startsWith(kind + " \"" + name + "\" is invalid: ") && text.contains(field + ": " + message),
                a.body().toString());
    }

    @Test
    void replicationControllerIsCreatedListedAsATableAndScaled() throws Exception {
        String rcs = "/api/v1/namespaces/default/replicationcontrollers";
        Answer created = create(rcs, "{'apiVersion':'v1','kind':'ReplicationController','metadata':{'name':'web'},"
                + "'spec':{'replicas':2,'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'containers':[{'name':'nginx','image':'nginx:1.27'}]}}}}");
        assertEquals(201, created.code(), created.body().toString());
        assertEquals("web", created.body().at("/spec/selector/app").asText(), "selector defaulted from the template");
        assertEquals(1, created.body().at("/metadata/generation").asInt());

        JsonNode t = table(rcs).body();
        assertEquals(List.of("Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"),
                columns(t));
        assertEquals("web", cells(t, 0).get(0).asText());
        assertEquals(2, cells(t, 0).get(1).asInt());
        assertEquals("app=web", cells(t, 0).get(7).asText());

        Answer scaled = send("PATCH", rcs + "/web/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}",
                "application/json, */*");
        assertEquals(200, scaled.code(), scaled.body().toString());
        assertEquals("Scale", scaled.body().path("kind").asText());
        assertEquals(5, scaled.body().at("/spec/replicas").asInt());
        assertEquals("app=web", scaled.body().at("/status/selector").asText());
        JsonNode after = send("GET", rcs + "/web", null, null, "application/json").body();
        assertEquals(5, after.at("/spec/replicas").asInt());
        assertEquals(2, after.at("/metadata/generation").asInt());

        assertInvalid(create(rcs, "{'metadata':{'name':'bad'},'spec':{'selector':{'app':'db'},'template':{"
                        + "'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'x'}]}}}}"),
                "ReplicationController", "bad", "spec.template.metadata.labels",
                "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`");
    }

    @Test
    void discoveryServesTheShortNamesAndCategoriesKubectlResolves() throws Exception {
        JsonNode v1 = send("GET", "/api/v1", null, null, "application/json, */*").body();
        JsonNode apps = send("GET", "/apis/apps/v1", null, null, "application/json, */*").body();
        assertEquals("[\"rc\"]", resource(v1, "replicationcontrollers").path("shortNames").toString());
        assertEquals("[\"all\"]", resource(v1, "replicationcontrollers").path("categories").toString());
        assertEquals("[\"limits\"]", resource(v1, "limitranges").path("shortNames").toString());
        assertEquals("[\"quota\"]", resource(v1, "resourcequotas").path("shortNames").toString());
        assertEquals("PodTemplate", resource(v1, "podtemplates").path("kind").asText());
        assertTrue(resource(v1, "replicationcontrollers/scale").isObject());
        assertTrue(resource(v1, "resourcequotas/status").isObject());
        assertEquals("ControllerRevision", resource(apps, "controllerrevisions").path("kind").asText());
        JsonNode openapi = send("GET", "/openapi/v3/api/v1", null, null, "application/json").body();
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

        JsonNode t = table("/api/v1/namespaces/default/podtemplates").body();
        assertEquals(List.of("Name", "Containers", "Images", "Pod Labels"), columns(t));
        assertEquals("[\"tmpl\",\"main\",\"busybox\",\"app=batch\"]", cells(t, 0).toString());
    }

    @Test
    void limitRangeIsDefaultedListedWithItsCreationTimeAndRefusedOutOfOrder() throws Exception {
        String lrs = "/api/v1/namespaces/default/limitranges";
        Answer created = create(lrs, "{'metadata':{'name':'mem'},'spec':{'limits':[{'type':'Container',"
                + "'max':{'memory':'1Gi'},'min':{'memory':'64Mi'}}]}}");
        assertEquals(201, created.code(), created.body().toString());
        assertEquals("1Gi", created.body().at("/spec/limits/0/default/memory").asText());
        assertEquals("1Gi", created.body().at("/spec/limits/0/defaultRequest/memory").asText());

        JsonNode t = table(lrs + "/mem").body();
        assertEquals(List.of("Name", "Created At"), columns(t));
        assertEquals(created.body().at("/metadata/creationTimestamp").asText(), cells(t, 0).get(1).asText());

        assertInvalid(create(lrs, "{'metadata':{'name':'bad'},'spec':{'limits':[{'type':'Container',"
                        + "'min':{'cpu':'2'},'max':{'cpu':'1'}}]}}"), "LimitRange", "bad", "spec.limits[0].min[cpu]",
                "Invalid value: \"2\": min value 2 is greater than max value 1");
        assertEquals(404, send("GET", lrs + "/bad", null, null, "application/json").code(), "nothing was written");
    }

    @Test
    void resourceQuotaStartsWithoutStatusAndShowsTheUsageWrittenToIt() throws Exception {
        String quotas = "/api/v1/namespaces/default/resourcequotas";
        Answer created = create(quotas, "{'metadata':{'name':'compute'},'spec':{'hard':{'pods':'10',"
                + "'requests.cpu':'2','limits.memory':'4Gi'}},'status':{'used':{'pods':'99'}}}");
        assertEquals(201, created.code(), created.body().toString());
        assertFalse(created.body().at("/status/used").isObject(), "a client may not set usage on create");
        assertFalse(created.body().at("/metadata/generation").isNumber());

        JsonNode status = JSON.readTree(created.body().toString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) status).putObject("status").set("hard",
                created.body().at("/spec/hard"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) status.path("status")).putObject("used").put("pods", "3")
                .put("requests.cpu", "500m");
        Answer written = send("PUT", quotas + "/compute/status", "application/json", status.toString(),
                "application/json");
        assertEquals(200, written.code(), written.body().toString());

        JsonNode t = table(quotas).body();
        assertEquals(List.of("Name", "Age", "Request", "Limit"), columns(t));
        assertEquals("pods: 3/10, requests.cpu: 500m/2", cells(t, 0).get(2).asText());
        assertEquals("limits.memory: 0/4Gi", cells(t, 0).get(3).asText());

        assertInvalid(create(quotas, "{'metadata':{'name':'bad'},'spec':{'hard':{'pods':'1500m'}}}"),
                "ResourceQuota", "bad", "spec.hard[pods]", "Invalid value: \"1500m\": must be an integer");
    }

    @Test
    void controllerRevisionShowsItsControllerAndKeepsItsData() throws Exception {
        String revisions = "/apis/apps/v1/namespaces/default/controllerrevisions";
        Answer created = create(revisions, "{'metadata':{'name':'fluentd-1','ownerReferences':[{'apiVersion':"
                + "'apps/v1','kind':'DaemonSet','name':'fluentd','uid':'0b1e','controller':true}]},"
                + "'data':{'spec':{'template':{}}},'revision':1}");
        assertEquals(201, created.code(), created.body().toString());

        JsonNode t = table(revisions).body();
        assertEquals(List.of("Name", "Controller", "Revision", "Age"), columns(t));
        assertEquals("daemonset.apps/fluentd", cells(t, 0).get(1).asText());
        assertEquals(1, cells(t, 0).get(2).asInt());

        Answer changed = send("PATCH", revisions + "/fluentd-1", "application/merge-patch+json",
                "{\"data\":{\"spec\":{\"template\":{\"x\":1}}}}", "application/json");
        assertEquals(422, changed.code(), changed.body().toString());
        assertEquals("data", changed.body().at("/details/causes/0/field").asText());
        assertTrue(changed.body().at("/details/causes/0/message").asText().endsWith("field is immutable"));
    }
}
