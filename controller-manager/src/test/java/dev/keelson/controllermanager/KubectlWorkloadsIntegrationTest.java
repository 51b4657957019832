package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import dev.keelson.controllermanager.testing.JobKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real kubectl 1.32 on ReplicationControllers, Jobs and CronJobs, its output as against Kubernetes. */
class KubectlWorkloadsIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(List.of("replicationcontroller",
            "job", "cronjob", "garbagecollector")).jobPodFailureBackoff(Duration.ofMillis(50)));

    private static String kubectl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static List<String> words(String line) {
        return List.of(line.trim().split("\\s{2,}"));
    }

    private static List<Pod> pods(String ns, String label, String value) {
        return fixture.client().pods().inNamespace(ns).withLabel(label, value).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    @Test
    void replicationControllerIsScaledByKubectl() throws Exception {
        String ns = fixture.namespace("rc");
        try (HollowKubelet k = new HollowKubelet(fixture.client(), ns, Duration.ofMillis(50))) {
            fixture.client().replicationControllers().inNamespace(ns).resource(new ReplicationControllerBuilder()
                    .withNewMetadata().withName("web").endMetadata().withNewSpec().withReplicas(1)
                    .withSelector(Map.of("app", "web")).withNewTemplate().withNewMetadata().addToLabels("app", "web")
                    .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("nginx").endContainer()
                    .endSpec().endTemplate().endSpec().build()).create();
            assertEquals("replicationcontroller/web scaled", kubectl("scale", "rc", "web", "--replicas=3", "-n", ns).trim());
            List<Pod> three = Await.until("3 pods", WAIT, () -> pods(ns, "app", "web"), l -> l.size() == 3);
            for (Pod p : three) {
                assertEquals("ReplicationController", p.getMetadata().getOwnerReferences().get(0).getKind());
                assertEquals("v1", p.getMetadata().getOwnerReferences().get(0).getApiVersion());
                assertTrue(p.getMetadata().getName().startsWith("web-"));
            }
            Await.until("3 ready", WAIT, () -> fixture.client().replicationControllers().inNamespace(ns).withName("web").get(),
                    rc -> rc.getStatus() != null && Integer.valueOf(3).equals(rc.getStatus().getReadyReplicas()));
            List<String> table = kubectl("get", "rc", "web", "-n", ns).lines().toList();
            assertEquals(List.of("NAME", "DESIRED", "CURRENT", "READY", "AGE"), words(table.get(0)));
            assertEquals(List.of("web", "3", "3", "3"), words(table.get(1)).subList(0, 4));
            kubectl("scale", "rc", "web", "--replicas=1", "-n", ns);
            Await.until("1 pod", WAIT, () -> pods(ns, "app", "web"), l -> l.size() == 1);
        }
    }

    @Test
    void kubectlCreatesJobsWaitsForThemAndStartsOneFromACronJob() throws Exception {
        String ns = fixture.namespace("kjob");
        try (JobKubelet k = new JobKubelet(fixture.client(), ns, p -> 0)) {
            assertEquals("job.batch/hello created", kubectl("create", "job", "hello", "--image=busybox", "-n", ns, "--",
                    "echo", "hi").trim());
            assertEquals("job.batch/hello condition met", kubectl("wait", "--for=condition=complete", "job/hello", "-n", ns,
                    "--timeout=60s").trim());
            List<String> table = kubectl("get", "jobs", "-n", ns).lines().toList();
            assertEquals(List.of("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"), words(table.get(0)));
            assertEquals(List.of("hello", "Complete", "1/1"), words(table.get(1)).subList(0, 3));

            assertEquals("cronjob.batch/nightly created", kubectl("create", "cronjob", "nightly", "--image=busybox",
                    "--schedule=0 0 * * *", "-n", ns, "--", "echo", "hi").trim());
            List<String> cj = kubectl("get", "cronjob", "nightly", "-n", ns).lines().toList();
            assertEquals(List.of("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"), words(cj.get(0)));
            assertEquals(List.of("nightly", "0 0 * * *", "<none>", "False", "0", "<none>"), words(cj.get(1)).subList(0, 6));
            assertEquals("job.batch/manual created", kubectl("create", "job", "manual", "--from=cronjob/nightly", "-n", ns).trim());
            Job manual = fixture.client().batch().v1().jobs().inNamespace(ns).withName("manual").get();
            assertEquals("manual", manual.getMetadata().getAnnotations().get("cronjob.kubernetes.io/instantiate"));
            assertEquals("CronJob", manual.getMetadata().getOwnerReferences().get(0).getKind());
            assertEquals("job.batch/manual condition met", kubectl("wait", "--for=condition=complete", "job/manual", "-n",
                    ns, "--timeout=60s").trim());
        }
    }

    @Test
    void badCronJobAndImmutableJobTemplateAreRefusedAsKubectlShowsThem() throws Exception {
        String ns = fixture.namespace("kbad");
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString(),
                "create", "cronjob", "bad", "--image=busybox", "--schedule=not a schedule", "-n", ns));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.startsWith("error: failed to create cronjob: CronJob.batch \"bad\" is invalid: spec.schedule: "
                + "Invalid value: \"not a schedule\": "), out);
    }
}
