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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * batch/v1 Jobs and CronJobs on a real etcd, asked the way kubectl asks: defaults and the generated selector, Table
 * columns as kubectl 1.32 prints them, and 422 Invalid with causes for bad specs, bad schedules and time zones and a
 * changed Job template (nothing written).
 */
class BatchKindsIntegrationTest {
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
        assertTrue(text.startsWith(kind + ".batch \"" + name + "\" is invalid: ") && text.contains(field + ": " + message),
                a.body().toString());
    }

    private static final String JOBS = "/apis/batch/v1/namespaces/default/jobs";
    private static final String CRONJOBS = "/apis/batch/v1/namespaces/default/cronjobs";
    private static final String POD = "'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'busybox'}]}}";

    @Test
    void jobGetsKubernetesDefaultsAndAGeneratedSelector() throws Exception {
        Answer created = create(JOBS, "{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'pi'},'spec':{" + POD + "}}");
        assertEquals(201, created.code(), created.body().toString());
        JsonNode job = created.body();
        String uid = job.at("/metadata/uid").asText();
        assertEquals(uid, job.at("/spec/selector/matchLabels").path("batch.kubernetes.io/controller-uid").asText());
        JsonNode labels = job.at("/spec/template/metadata/labels");
        assertEquals(uid, labels.path("batch.kubernetes.io/controller-uid").asText());
        assertEquals(uid, labels.path("controller-uid").asText());
        assertEquals("pi", labels.path("batch.kubernetes.io/job-name").asText());
        assertEquals("pi", labels.path("job-name").asText());
        assertEquals(6, job.at("/spec/backoffLimit").asInt());
        assertEquals(1, job.at("/spec/completions").asInt());
        assertEquals(1, job.at("/spec/parallelism").asInt());
        assertEquals("NonIndexed", job.at("/spec/completionMode").asText());
        assertEquals("TerminatingOrFailed", job.at("/spec/podReplacementPolicy").asText());
        assertFalse(job.at("/spec/suspend").asBoolean(true));

        JsonNode t = table(JOBS).body();
        assertEquals(List.of("Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"),
                columns(t));
        assertEquals("pi", cells(t, 0).get(0).asText());
        assertEquals("Running", cells(t, 0).get(1).asText());
        assertEquals("0/1", cells(t, 0).get(2).asText());
        assertEquals("batch.kubernetes.io/controller-uid=" + uid, cells(t, 0).get(7).asText());

        // the template is immutable: 422, nothing written
        JsonNode changed = job.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) changed.at("/spec/template/spec/containers/0")).put("image", "nginx");
        Answer refused = send("PUT", JOBS + "/pi", "application/json", changed.toString(), "application/json");
        assertInvalid(refused, "Job", "pi", "spec.template", "Invalid value: core.PodTemplateSpec{...}: field is immutable");
        JsonNode after = send("GET", JOBS + "/pi", null, null, "application/json").body();
        assertEquals("busybox", after.at("/spec/template/spec/containers/0/image").asText());
    }

    @Test
    void badJobsAreRefusedWithKubernetesCauses() throws Exception {
        assertInvalid(create(JOBS, "{'metadata':{'name':'always'},'spec':{'template':{'spec':{'containers':[{'name':'c',"
                        + "'image':'busybox'}]}}}}"), "Job", "always", "spec.template.spec.restartPolicy",
                "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"");
        assertInvalid(create(JOBS, "{'metadata':{'name':'idx'},'spec':{'completionMode':'Indexed','parallelism':2," + POD
                + "}}"), "Job", "idx", "spec.completions", "Required value: when completion mode is Indexed");
        assertInvalid(create(JOBS, "{'metadata':{'name':'neg'},'spec':{'backoffLimit':-1," + POD + "}}"), "Job", "neg",
                "spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0");
        Answer pfp = create(JOBS, "{'metadata':{'name':'pfp'},'spec':{'podFailurePolicy':{'rules':[{'action':'Explode',"
                + "'onExitCodes':{'operator':'In','values':[0]}}]}," + POD + "}}");
        assertEquals(422, pfp.code(), pfp.body().toString());
        String msg = pfp.body().path("message").asText();
        assertTrue(msg.contains("spec.podFailurePolicy.rules[0].action: Unsupported value: \"Explode\""), msg);
        assertTrue(msg.contains("spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 "
                + "for the In operator"), msg);
        assertEquals(404, send("GET", JOBS + "/pfp", null, null, "application/json").code());
    }

    @Test
    void cronJobValidatesScheduleAndTimeZoneAndPrintsItsColumns() throws Exception {
        String template = "'jobTemplate':{'spec':{" + POD + "}}";
        Answer created = create(CRONJOBS, "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'nightly'},"
                + "'spec':{'schedule':'@daily','timeZone':'Europe/Paris'," + template + "}}");
        assertEquals(201, created.code(), created.body().toString());
        assertEquals("Allow", created.body().at("/spec/concurrencyPolicy").asText());
        assertEquals(3, created.body().at("/spec/successfulJobsHistoryLimit").asInt());
        assertEquals(1, created.body().at("/spec/failedJobsHistoryLimit").asInt());
        JsonNode t = table(CRONJOBS).body();
        assertEquals(List.of("Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers",
                "Images", "Selector"), columns(t));
        assertEquals("@daily", cells(t, 0).get(1).asText());
        assertEquals("Europe/Paris", cells(t, 0).get(2).asText());
        assertEquals("False", cells(t, 0).get(3).asText());
        assertEquals("<none>", cells(t, 0).get(5).asText());

        Answer badSchedule = create(CRONJOBS, "{'metadata':{'name':'bad'},'spec':{'schedule':'61 * * * *'," + template + "}}");
        assertEquals(422, badSchedule.code(), badSchedule.body().toString());
        assertEquals("spec.schedule", badSchedule.body().at("/details/causes/0/field").asText());
        assertTrue(badSchedule.body().at("/details/causes/0/message").asText().startsWith("Invalid value: \"61 * * * *\": "));
        assertInvalid(create(CRONJOBS, "{'metadata':{'name':'fields'},'spec':{'schedule':'* * *'," + template + "}}"),
                "CronJob", "fields", "spec.schedule", "Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]");
        assertInvalid(create(CRONJOBS, "{'metadata':{'name':'tz'},'spec':{'schedule':'0 * * * *','timeZone':'Mars/Olympus',"
                + template + "}}"), "CronJob", "tz", "spec.timeZone", "Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus");
        assertInvalid(create(CRONJOBS, "{'metadata':{'name':'policy'},'spec':{'schedule':'0 * * * *',"
                + "'concurrencyPolicy':'Sometimes'," + template + "}}"), "CronJob", "policy", "spec.concurrencyPolicy",
                "Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"");
        assertEquals(404, send("GET", CRONJOBS + "/tz", null, null, "application/json").code());
    }
}
