package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DaemonSets, StatefulSets and PodDisruptionBudgets served through their registrations on a real etcd: defaults,
 * tables with kubectl's columns, 422 with causes for bad or immutable fields, and the pods/eviction subresource
 * spending a budget (429 with the DisruptionBudget cause when none is left).
 */
class DaemonSetStatefulSetBudgetIntegrationTest {
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMPLATE = "'template':{'metadata':{'labels':{'app':'web'}},"
            + "'spec':{'containers':[{'name':'nginx','image':'nginx:1.27'}]}}";
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
        b.method(method, body == null ? null : contentType, body);
        HttpResponse<String> r = http.sendAsync(b.build(), String.class).get(30, TimeUnit.SECONDS);
        return new Answer(r.code(), JSON.readTree(r.body()));
    }

    private static Answer create(String path, String json) throws Exception {
        return send("POST", path + "?fieldManager=kubectl-create&fieldValidation=Strict", "application/json",
                json.replace('\'', '"'), "application/json");
    }

    private static Answer get(String path) throws Exception {
        return send("GET", path, null, null, "application/json");
    }

    private static Answer mergePatch(String path, String json) throws Exception {
        return send("PATCH", path, "application/merge-patch+json", json.replace('\'', '"'), "application/json");
    }

    private static List<String> columns(JsonNode table) {
        List<String> out = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> out.add(c.path("name").asText()));
        return out;
    }

    private static void assertInvalid(Answer a, String field, String message) {
        assertEquals(422, a.code(), a.body().toString());
        assertEquals("Invalid", a.body().path("reason").asText());
        JsonNode causes = a.body().at("/details/causes");
        boolean found = false;
        for (JsonNode c : causes) {
            found |= field.equals(c.path("field").asText()) && message.equals(c.path("message").asText());
        }
        assertTrue(found, "expected " + field + ": " + message + " in " + a.body());
    }

    @Test
    void daemonSetIsDefaultedListedWithItsColumnsAndKeepsItsSelector() throws Exception {
        String path = "/apis/apps/v1/namespaces/default/daemonsets";
        Answer created = create(path, "{'apiVersion':'apps/v1','kind':'DaemonSet','metadata':{'name':'agent'},"
                + "'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},"
                + "'spec':{'nodeSelector':{'disk':'ssd'},'containers':[{'name':'nginx','image':'nginx:1.27'}]}}}}");
        assertEquals(201, created.code(), created.body().toString());
        JsonNode ds = created.body();
        assertEquals("RollingUpdate", ds.at("/spec/updateStrategy/type").asText());
        assertEquals(1, ds.at("/spec/updateStrategy/rollingUpdate/maxUnavailable").asInt());
        assertEquals(0, ds.at("/spec/updateStrategy/rollingUpdate/maxSurge").asInt());
        assertEquals(10, ds.at("/spec/revisionHistoryLimit").asInt());
        assertEquals("1", ds.at("/metadata/annotations/deprecated.daemonset.template.generation").asText());
        assertEquals(0, ds.at("/status/desiredNumberScheduled").asInt(-1));

        JsonNode t = send("GET", path, null, null, TABLE).body();
        assertEquals(List.of("Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age",
                "Containers", "Images", "Selector"), columns(t));
        assertEquals("disk=ssd", t.at("/rows/0/cells/6").asText());
        assertEquals("app=web", t.at("/rows/0/cells/10").asText());

        Answer changed = mergePatch(path + "/agent", "{'spec':{'template':{'spec':{'containers':[{'name':'nginx',"
                + "'image':'nginx:1.28'}]}}}}");
        assertEquals(200, changed.code(), changed.body().toString());
        assertEquals("2", changed.body().at("/metadata/annotations/deprecated.daemonset.template.generation").asText(),
                "a template change is a new template generation");
        assertEquals(2, changed.body().at("/metadata/generation").asInt());

        assertInvalid(mergePatch(path + "/agent", "{'spec':{'selector':{'matchLabels':{'app':'web','x':'y'}},"
                + "'template':{'metadata':{'labels':{'x':'y'}}}}}"), "spec.selector", "Invalid value: "
                + "v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"x\":\"y\"}, "
                + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
        assertInvalid(create(path, "{'metadata':{'name':'both'},'spec':{'selector':{'matchLabels':{'app':'web'}},"
                        + "'updateStrategy':{'type':'RollingUpdate','rollingUpdate':{'maxUnavailable':1,'maxSurge':1}},"
                        + TEMPLATE + "}}"), "spec.updateStrategy.rollingUpdate.maxSurge",
                "Invalid value: 1: may not be set when maxUnavailable is non-zero");
        assertInvalid(create(path, "{'metadata':{'name':'nosel'},'spec':{" + TEMPLATE + "}}"),
                "spec.template.metadata.labels",
                "Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`");
        assertEquals(404, get(path + "/both").code(), "nothing was written");
    }

    @Test
    void statefulSetIsDefaultedAndOnlyItsMutableFieldsChange() throws Exception {
        String path = "/apis/apps/v1/namespaces/default/statefulsets";
        Answer created = create(path, "{'metadata':{'name':'db'},'spec':{'serviceName':'db','replicas':3,"
                + "'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + ",'volumeClaimTemplates':[{'metadata':"
                + "{'name':'data'},'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':"
                + "{'storage':'1Gi'}}}}]}}");
        assertEquals(201, created.code(), created.body().toString());
        JsonNode sts = created.body();
        assertEquals("OrderedReady", sts.at("/spec/podManagementPolicy").asText());
        assertEquals(0, sts.at("/spec/updateStrategy/rollingUpdate/partition").asInt(-1));
        assertEquals("Retain", sts.at("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted").asText());
        assertEquals("Filesystem", sts.at("/spec/volumeClaimTemplates/0/spec/volumeMode").asText());
        assertEquals("Pending", sts.at("/spec/volumeClaimTemplates/0/status/phase").asText());

        JsonNode t = send("GET", path, null, null, TABLE).body();
        assertEquals(List.of("Name", "Ready", "Age", "Containers", "Images"), columns(t));
        assertEquals("0/3", t.at("/rows/0/cells/1").asText());

        Answer scaled = send("PATCH", path + "/db/scale", "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}",
                "application/json");
        assertEquals(200, scaled.code(), scaled.body().toString());
        assertEquals("app=web", scaled.body().at("/status/selector").asText());

        String forbidden = "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                + "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                + "forbidden";
        assertInvalid(mergePatch(path + "/db", "{'spec':{'serviceName':'other'}}"), "spec", forbidden);
        assertInvalid(mergePatch(path + "/db", "{'spec':{'volumeClaimTemplates':[]}}"), "spec", forbidden);
        assertEquals("db", get(path + "/db").body().at("/spec/serviceName").asText(), "nothing was written");
        Answer partition = mergePatch(path + "/db", "{'spec':{'updateStrategy':{'rollingUpdate':{'partition':2}}}}");
        assertEquals(200, partition.code(), partition.body().toString());

        assertInvalid(create(path, "{'metadata':{'name':'bad'},'spec':{'podManagementPolicy':'Sometimes',"
                + "'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}}"), "spec.podManagementPolicy",
                "Invalid value: \"Sometimes\": must be 'OrderedReady' or 'Parallel'");
        assertInvalid(create(path, "{'metadata':{'name':'bad'},'spec':{'replicas':-1,"
                + "'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}}"), "spec.replicas",
                "Invalid value: -1: must be greater than or equal to 0");
        assertInvalid(create(path, "{'metadata':{'name':'Bad.Name'},'spec':{'selector':{'matchLabels':"
                + "{'app':'web'}}," + TEMPLATE + "}}"), "metadata.name", "Invalid value: \"Bad.Name\": a lowercase "
                + "RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
                + "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }

    @Test
    void evictionSpendsTheBudgetAndIsRefusedWith429WhenNoneIsLeft() throws Exception {
        String ns = "/api/v1/namespaces/default";
        String pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
        for (String name : List.of("guarded-0", "guarded-1")) {
            assertEquals(201, create(ns + "/pods", "{'metadata':{'name':'" + name + "','labels':{'app':'guarded'}},"
                    + "'spec':{'nodeName':'n1','containers':[{'name':'c','image':'nginx'}]}}").code());
            Answer running = mergePatch(ns + "/pods/" + name + "/status", "{'status':{'phase':'Running',"
                    + "'conditions':[{'type':'Ready','status':'True'}]}}");
            assertEquals(200, running.code(), running.body().toString());
        }
        Answer pdb = create(pdbs, "{'metadata':{'name':'guard'},'spec':{'minAvailable':1,"
                + "'selector':{'matchLabels':{'app':'guarded'}}}}");
        assertEquals(201, pdb.code(), pdb.body().toString());
        assertEquals(0, pdb.body().at("/status/disruptionsAllowed").asInt(-1));
        JsonNode t = send("GET", pdbs, null, null, TABLE).body();
        assertEquals(List.of("Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"), columns(t));
        assertEquals("[\"guard\",\"1\",\"N/A\",0]", cellsWithoutAge(t));

        String eviction = "{'apiVersion':'policy/v1','kind':'Eviction','metadata':{'name':'guarded-0',"
                + "'namespace':'default'}}";
        Answer unobserved = create(ns + "/pods/guarded-0/eviction", eviction);
        assertEquals(429, unobserved.code(), unobserved.body().toString());
        assertEquals("The disruption budget guard is still being processed by the server.",
                unobserved.body().at("/details/causes/0/message").asText());

        // what the disruption controller would write: 2 healthy, 1 needed
        Answer status = mergePatch(pdbs + "/guard/status", "{'status':{'observedGeneration':1,'disruptionsAllowed':1,"
                + "'currentHealthy':2,'desiredHealthy':1,'expectedPods':2}}");
        assertEquals(200, status.code(), status.body().toString());
        Answer evicted = create(ns + "/pods/guarded-0/eviction", eviction);
        assertEquals(201, evicted.code(), evicted.body().toString());
        assertEquals("Success", evicted.body().path("status").asText());
        JsonNode pod = get(ns + "/pods/guarded-0").body();
        assertFalse(pod.at("/metadata/deletionTimestamp").isMissingNode(), "the evicted pod is being deleted");
        assertTrue(pod.at("/status/conditions").toString().contains("EvictionByEvictionAPI"), pod.toString());
        JsonNode spent = get(pdbs + "/guard").body();
        assertEquals(0, spent.at("/status/disruptionsAllowed").asInt(-1));
        assertTrue(spent.at("/status/disruptedPods").has("guarded-0"), spent.toString());

        Answer refused = create(ns + "/pods/guarded-1/eviction", eviction.replace("guarded-0", "guarded-1"));
        assertEquals(429, refused.code(), refused.body().toString());
        assertEquals("TooManyRequests", refused.body().path("reason").asText());
        assertEquals("Cannot evict pod as it would violate the pod's disruption budget.",
                refused.body().path("message").asText());
        assertEquals("DisruptionBudget", refused.body().at("/details/causes/0/reason").asText());
        assertEquals("The disruption budget guard needs 1 healthy pods and has 2 currently",
                refused.body().at("/details/causes/0/message").asText());
        assertTrue(get(ns + "/pods/guarded-1").body().at("/metadata/deletionTimestamp").isMissingNode(),
                "a refused eviction deletes nothing");

        assertInvalid(create(pdbs, "{'metadata':{'name':'both'},'spec':{'minAvailable':1,'maxUnavailable':1}}"),
                "spec", "Invalid value: {\"minAvailable\":1,\"maxUnavailable\":1}: minAvailable and maxUnavailable "
                        + "cannot be both set");
        assertInvalid(create(pdbs, "{'metadata':{'name':'pct'},'spec':{'maxUnavailable':'120%'}}"),
                "spec.maxUnavailable", "Invalid value: 120%: must not be greater than 100%");
    }

    private static String cellsWithoutAge(JsonNode table) {
        ObjectNode copy = JSON.createObjectNode();
        com.fasterxml.jackson.databind.node.ArrayNode cells = copy.putArray("c");
        JsonNode row = table.at("/rows/0/cells");
        for (int i = 0; i < 4; i++) {
            cells.add(row.get(i));
        }
        return cells.toString();
    }
}
