package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * PersistentVolumes, PersistentVolumeClaims and StorageClasses on a real etcd, asked as kubectl asks: the tables of
 * {@code kubectl get pv,pvc,sc}, the DefaultStorageClass and StorageObjectInUseProtection admission plugins, and 422
 * Invalid with Kubernetes' causes for bad objects and forbidden updates.
 */
class StorageKindsIntegrationTest {
    private static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PVS = "/api/v1/persistentvolumes";
    private static final String PVCS = "/api/v1/namespaces/default/persistentvolumeclaims";
    private static final String SCS = "/apis/storage.k8s.io/v1/storageclasses";
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
        b.method(method, contentType, body == null ? null : body.replace('\'', '"'));
        HttpResponse<String> r = http.sendAsync(b.build(), String.class).get(30, TimeUnit.SECONDS);
        return new Answer(r.code(), JSON.readTree(r.body()));
    }

    private static Answer create(String path, String json) throws Exception {
        return send("POST", path, "application/json", json, "application/json");
    }

    private static Answer patch(String path, String json) throws Exception {
        return send("PATCH", path, "application/merge-patch+json", json, "application/json");
    }

    private static JsonNode table(String path) throws Exception {
        return send("GET", path, null, null, TABLE).body();
    }

    private static List<String> columns(JsonNode table) {
        List<String> out = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> {
            if (c.path("priority").asInt() == 0) {
                out.add(c.path("name").asText());
            }
        });
        return out;
    }

    private static List<String> row(JsonNode table, String name) {
        for (JsonNode r : table.path("rows")) {
            if (r.path("cells").get(0).asText().startsWith(name)) {
                List<String> out = new ArrayList<>();
                r.path("cells").forEach(c -> out.add(c.asText()));
                return out;
            }
        }
        throw new AssertionError("no row " + name + " in " + table);
    }

    private static void assertInvalid(Answer a, String kind, String name, String field, String message) {
        assertEquals(422, a.code(), a.body().toString());
        assertEquals("Invalid", a.body().path("reason").asText());
        assertEquals(kind, a.body().at("/details/kind").asText());
        boolean found = false;
        for (JsonNode cause : a.body().at("/details/causes")) {
            found |= field.equals(cause.path("field").asText()) && message.equals(cause.path("message").asText());
        }
        String qualified = kind.equals("StorageClass") ? "StorageClass.storage.k8s.io" : kind;
        assertTrue(found, "no cause " + field + ": " + message + " in " + a.body());
        assertTrue(a.body().path("message").asText().startsWith(qualified + " \"" + name + "\" is invalid: "),
                a.body().toString());
    }

    @Test
    void claimGetsTheNewestDefaultClassAndTheProtectionFinalizer() throws Exception {
        assertEquals(201, create(SCS, "{'metadata':{'name':'slow','annotations':{"
                + "'storageclass.kubernetes.io/is-default-class':'true'}},'provisioner':'example.com/slow'}").code());
        Thread.sleep(1100);
        Answer fast = create(SCS, "{'metadata':{'name':'fast','annotations':{"
                + "'storageclass.kubernetes.io/is-default-class':'true'}},'provisioner':'example.com/fast',"
                + "'volumeBindingMode':'WaitForFirstConsumer','allowVolumeExpansion':true}");
        assertEquals(201, fast.code(), fast.body().toString());
        assertEquals("Delete", fast.body().path("reclaimPolicy").asText(), "defaulted");

        Answer claim = create(PVCS, "{'metadata':{'name':'data'},'spec':{'accessModes':['ReadWriteOnce'],"
                + "'resources':{'requests':{'storage':'1Gi'}}}}");
        assertEquals(201, claim.code(), claim.body().toString());
        assertEquals("fast", claim.body().at("/spec/storageClassName").asText());
        assertEquals("[\"kubernetes.io/pvc-protection\"]", claim.body().at("/metadata/finalizers").toString());
        assertEquals("Pending", claim.body().at("/status/phase").asText());
        assertEquals("Filesystem", claim.body().at("/spec/volumeMode").asText());

        Answer none = create(PVCS, "{'metadata':{'name':'classless'},'spec':{'accessModes':['ReadWriteOnce'],"
                + "'storageClassName':'','resources':{'requests':{'storage':'1Gi'}}}}");
        assertEquals("", none.body().at("/spec/storageClassName").asText(), "an explicit empty class is kept");

        JsonNode t = table(PVCS);
        assertEquals(List.of("Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass",
                "VolumeAttributesClass", "Age"), columns(t));
        assertEquals(List.of("data", "Pending", "", "", "", "fast", "<unset>"), row(t, "data").subList(0, 7));

        JsonNode classes = table(SCS);
        assertEquals(List.of("Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion",
                "Age"), columns(classes));
        assertEquals(List.of("fast (default)", "example.com/fast", "Delete", "WaitForFirstConsumer", "true"),
                row(classes, "fast").subList(0, 5));
        assertEquals(List.of("slow (default)", "example.com/slow", "Delete", "Immediate", "false"),
                row(classes, "slow").subList(0, 5));

        assertInvalid(patch(SCS + "/fast", "{'provisioner':'example.com/other','volumeBindingMode':'Immediate'}"),
                "StorageClass", "fast", "provisioner", "Forbidden: updates to provisioner are forbidden.");
        assertInvalid(patch(SCS + "/fast", "{'volumeBindingMode':'Immediate'}"), "StorageClass", "fast",
                "volumeBindingMode", "Invalid value: \"Immediate\": field is immutable");
        assertInvalid(create(SCS, "{'metadata':{'name':'bad'},'provisioner':'x','reclaimPolicy':'Recycle'}"),
                "StorageClass", "bad", "reclaimPolicy",
                "Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\"");
    }

    @Test
    void volumeIsPendingWithItsProtectionAndPrintsAsKubectlDoes() throws Exception {
        Answer pv = create(PVS, "{'metadata':{'name':'pv-a'},'spec':{'capacity':{'storage':'5Gi'},"
                + "'accessModes':['ReadWriteOnce','ReadOnlyMany'],'hostPath':{'path':'/srv/a'},"
                + "'storageClassName':'manual','claimRef':{'namespace':'default','name':'data'}}}");
        assertEquals(201, pv.code(), pv.body().toString());
        assertEquals("[\"kubernetes.io/pv-protection\"]", pv.body().at("/metadata/finalizers").toString());
        assertEquals("Pending", pv.body().at("/status/phase").asText());
        assertEquals("Retain", pv.body().at("/spec/persistentVolumeReclaimPolicy").asText());
        assertTrue(pv.body().at("/status/lastPhaseTransitionTime").isTextual());

        Answer status = send("PUT", PVS + "/pv-a/status", "application/json",
                pv.body().deepCopy().toString().replace("\"phase\":\"Pending\"", "\"phase\":\"Available\""),
                "application/json");
        assertEquals(200, status.code(), status.body().toString());
        assertEquals("Available", status.body().at("/status/phase").asText());

        JsonNode t = table(PVS);
        assertEquals(List.of("Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass",
                "VolumeAttributesClass", "Reason"), columns(t).subList(0, 9));
        assertEquals("Age", columns(t).get(9));
        assertEquals(List.of("pv-a", "5Gi", "RWO,ROX", "Retain", "Available", "default/data", "manual", "<unset>", ""),
                row(t, "pv-a").subList(0, 9));

        assertInvalid(patch(PVS + "/pv-a", "{'spec':{'hostPath':{'path':'/srv/b'}}}"), "PersistentVolume", "pv-a",
                "spec.persistentvolumesource", "Forbidden: spec.persistentvolumesource is immutable after creation");
        assertInvalid(create(PVS, "{'metadata':{'name':'pv-bad'},'spec':{'capacity':{'storage':'1Gi'},"
                        + "'accessModes':['ReadWriteOnce'],'local':{'path':'/mnt/disk'}}}"),
                "PersistentVolume", "pv-bad", "spec.nodeAffinity", "Required value: Local volume requires node affinity");
        assertInvalid(create(PVS, "{'metadata':{'name':'pv-bad'},'spec':{'capacity':{'storage':'1Gi'},"
                        + "'hostPath':{'path':'/x'}}}"),
                "PersistentVolume", "pv-bad", "spec.accessModes", "Required value: must specify at least 1 access mode");
        assertInvalid(create(PVS, "{'metadata':{'name':'pv-bad'},'spec':{'capacity':{'storage':'1Gi'},"
                        + "'accessModes':['ReadWriteOnce']}}"),
                "PersistentVolume", "pv-bad", "spec", "Required value: must specify a volume type");
    }

    @Test
    void claimSpecIsImmutableButABoundClaimMayGrow() throws Exception {
        String claims = "/api/v1/namespaces/default/persistentvolumeclaims";
        assertInvalid(create(claims, "{'metadata':{'name':'bad'},'spec':{'resources':{'requests':{'storage':'1Gi'}}}}"),
                "PersistentVolumeClaim", "bad", "spec.accessModes", "Required value: at least 1 access mode is required");
        assertInvalid(create(claims, "{'metadata':{'name':'bad'},'spec':{'accessModes':['ReadWriteOnce']}}"),
                "PersistentVolumeClaim", "bad", "spec.resources[storage]", "Required value");
        assertInvalid(create(claims, "{'metadata':{'name':'bad'},'spec':{'accessModes':['ReadWriteAll'],"
                        + "'resources':{'requests':{'storage':'1Gi'}}}}"), "PersistentVolumeClaim", "bad",
                "spec.accessModes", "Unsupported value: \"ReadWriteAll\": supported values: \"ReadOnlyMany\", "
                        + "\"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"");

        Answer c = create(claims, "{'metadata':{'name':'grow'},'spec':{'accessModes':['ReadWriteOnce'],"
                + "'storageClassName':'','resources':{'requests':{'storage':'1Gi'}}}}");
        assertEquals(201, c.code(), c.body().toString());
        assertInvalid(patch(claims + "/grow", "{'spec':{'resources':{'requests':{'storage':'2Gi'}}}}"),
                "PersistentVolumeClaim", "grow", "spec", "Forbidden: spec is immutable after creation except "
                        + "resources.requests and volumeAttributesClassName for bound claims");
        Answer bind = patch(claims + "/grow", "{'spec':{'volumeName':'pv-x'}}");
        assertEquals(200, bind.code(), "binding sets volumeName once: " + bind.body());
        Answer bound = send("PATCH", claims + "/grow/status", "application/merge-patch+json",
                "{'status':{'phase':'Bound','accessModes':['ReadWriteOnce'],'capacity':{'storage':'1Gi'}}}",
                "application/json");
        assertEquals(200, bound.code(), bound.body().toString());
        assertEquals(200, patch(claims + "/grow", "{'spec':{'resources':{'requests':{'storage':'2Gi'}}}}").code());
        assertInvalid(patch(claims + "/grow", "{'spec':{'resources':{'requests':{'storage':'1Gi'}}}}"),
                "PersistentVolumeClaim", "grow", "spec.resources.requests[storage]",
                "Forbidden: field can not be less than previous value");
        assertEquals(List.of("grow", "Bound", "pv-x", "1Gi", "RWO", "", "<unset>"), row(table(claims), "grow").subList(0, 7));
    }
}
