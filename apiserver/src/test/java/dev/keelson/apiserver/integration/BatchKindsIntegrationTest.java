package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.testing.KindRequests;
import dev.keelson.apiserver.testing.TestCluster;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * batch/v1 Jobs and CronJobs on a real etcd, asked the way kubectl asks: defaults and the generated selector, Table
 * columns as kubectl 1.32 prints them, and 422 Invalid with causes for bad specs, bad schedules and time zones and a
 * changed Job template (nothing written).
 */
class BatchKindsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestCluster cluster;
    private static KindRequests api;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        api = new KindRequests(cluster, "batch");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static final String JOBS = "/apis/batch/v1/namespaces/default/jobs";
    private static final String CRONJOBS = "/apis/batch/v1/namespaces/default/cronjobs";
    private static final String POD = "'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'busybox'}]}}";

    @Test
    void jobGetsKubernetesDefaultsAndAGeneratedSelector() throws Exception {
        KindRequests.Answer created = api.create(JOBS, "{'apiVersion':'batch/v1','kind':'Job','metadata':{'name':'pi'},'spec':{" + POD + "}}");
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

        JsonNode t = api.table(JOBS).body();
        assertEquals(List.of("Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"),
                KindRequests.columns(t));
        assertEquals("pi", KindRequests.cells(t, 0).get(0).asText());
        assertEquals("Running", KindRequests.cells(t, 0).get(1).asText());
        assertEquals("0/1", KindRequests.cells(t, 0).get(2).asText());
        assertEquals("batch.kubernetes.io/controller-uid=" + uid, KindRequests.cells(t, 0).get(7).asText());

        // the template is immutable: 422, nothing written
        JsonNode changed = job.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) changed.at("/spec/template/spec/containers/0")).put("image", "nginx");
        KindRequests.Answer refused = api.send("PUT", JOBS + "/pi", "application/json", changed.toString(), "application/json");
        api.assertInvalid(refused, "Job", "pi", "spec.template", "Invalid value: core.PodTemplateSpec{...}: field is immutable");
        JsonNode after = api.send("GET", JOBS + "/pi", null, null, "application/json").body();
        assertEquals("busybox", after.at("/spec/template/spec/containers/0/image").asText());
    }

    @Test
    void badJobsAreRefusedWithKubernetesCauses() throws Exception {
        api.assertInvalid(api.create(JOBS, "{'metadata':{'name':'always'},'spec':{'template':{'spec':{'containers':[{'name':'c',"
                        + "'image':'busybox'}]}}}}"), "Job", "always", "spec.template.spec.restartPolicy",
                "Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"");
        api.assertInvalid(api.create(JOBS, "{'metadata':{'name':'idx'},'spec':{'completionMode':'Indexed','parallelism':2," + POD
                + "}}"), "Job", "idx", "spec.completions", "Required value: when completion mode is Indexed");
        api.assertInvalid(api.create(JOBS, "{'metadata':{'name':'neg'},'spec':{'backoffLimit':-1," + POD + "}}"), "Job", "neg",
                "spec.backoffLimit", "Invalid value: -1: must be greater than or equal to 0");
        KindRequests.Answer pfp = api.create(JOBS, "{'metadata':{'name':'pfp'},'spec':{'podFailurePolicy':{'rules':[{'action':'Explode',"
                + "'onExitCodes':{'operator':'In','values':[0]}}]}," + POD + "}}");
        assertEquals(422, pfp.code(), pfp.body().toString());
        String msg = pfp.body().path("message").asText();
        assertTrue(msg.contains("spec.podFailurePolicy.rules[0].action: Unsupported value: \"Explode\""), msg);
        assertTrue(msg.contains("spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 "
                + "for the In operator"), msg);
        assertEquals(404, api.send("GET", JOBS + "/pfp", null, null, "application/json").code());
    }

    @Test
    void cronJobValidatesScheduleAndTimeZoneAndPrintsItsColumns() throws Exception {
        String template = "'jobTemplate':{'spec':{" + POD + "}}";
        KindRequests.Answer created = api.create(CRONJOBS, "{'apiVersion':'batch/v1','kind':'CronJob','metadata':{'name':'nightly'},"
                + "'spec':{'schedule':'@daily','timeZone':'Europe/Paris'," + template + "}}");
        assertEquals(201, created.code(), created.body().toString());
        assertEquals("Allow", created.body().at("/spec/concurrencyPolicy").asText());
        assertEquals(3, created.body().at("/spec/successfulJobsHistoryLimit").asInt());
        assertEquals(1, created.body().at("/spec/failedJobsHistoryLimit").asInt());
        JsonNode t = api.table(CRONJOBS).body();
        assertEquals(List.of("Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers",
                "Images", "Selector"), KindRequests.columns(t));
        assertEquals("@daily", KindRequests.cells(t, 0).get(1).asText());
        assertEquals("Europe/Paris", KindRequests.cells(t, 0).get(2).asText());
        assertEquals("False", KindRequests.cells(t, 0).get(3).asText());
        assertEquals("<none>", KindRequests.cells(t, 0).get(5).asText());

        KindRequests.Answer badSchedule = api.create(CRONJOBS, "{'metadata':{'name':'bad'},'spec':{'schedule':'61 * * * *'," + template + "}}");
        assertEquals(422, badSchedule.code(), badSchedule.body().toString());
        assertEquals("spec.schedule", badSchedule.body().at("/details/causes/0/field").asText());
        assertTrue(badSchedule.body().at("/details/causes/0/message").asText().startsWith("Invalid value: \"61 * * * *\": "));
        api.assertInvalid(api.create(CRONJOBS, "{'metadata':{'name':'fields'},'spec':{'schedule':'* * *'," + template + "}}"),
                "CronJob", "fields", "spec.schedule", "Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]");
        api.assertInvalid(api.create(CRONJOBS, "{'metadata':{'name':'tz'},'spec':{'schedule':'0 * * * *','timeZone':'Mars/Olympus',"
                + template + "}}"), "CronJob", "tz", "spec.timeZone", "Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus");
        api.assertInvalid(api.create(CRONJOBS, "{'metadata':{'name':'policy'},'spec':{'schedule':'0 * * * *',"
                + "'concurrencyPolicy':'Sometimes'," + template + "}}"), "CronJob", "policy", "spec.concurrencyPolicy",
                "Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\"");
        assertEquals(404, api.send("GET", CRONJOBS + "/tz", null, null, "application/json").code());
    }
}
