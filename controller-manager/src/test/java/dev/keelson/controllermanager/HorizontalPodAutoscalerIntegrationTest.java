package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.podautoscaler.HorizontalPodAutoscalerController;
import dev.keelson.controllermanager.podautoscaler.ReplicaCalculator;
import dev.keelson.controllermanager.testing.Await;
import dev.keelson.controllermanager.testing.ClusterFixture;
import dev.keelson.controllermanager.testing.HollowKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The horizontal-pod-autoscaler controller on a real apiserver and etcd, with the deployment and replicaset
 * controllers and hollow kubelets; the pods' CPU usage comes from a made-up metrics source (the metrics API's own
 * path is tested in the apiserver module and end to end). HPAs are created with kubectl autoscale (autoscaling/v1)
 * and as autoscaling/v2 objects.
 */
class HorizontalPodAutoscalerIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ClusterFixture fixture = ClusterFixture.withOptions(o -> o.controllers(
            List.of("*", "-horizontalpodautoscaling")));

    /** Every pod uses this much CPU (milli-cores). */
    private static final AtomicLong usageMilli = new AtomicLong(100);
    private static SharedInformers informers;
    private static HorizontalPodAutoscalerController controller;
    private static Thread runner;

    @BeforeAll
    static void startController() {
        informers = new SharedInformers(fixture.cluster().newClient());
        controller = new HorizontalPodAutoscalerController(informers, null, Clock.systemUTC(), (ns, selector, resource) -> {
            Map<String, ReplicaCalculator.PodMetric> out = new HashMap<>();
            for (Pod p : fixture.client().pods().inNamespace(ns).withLabelSelector(selector).list().getItems()) {
                if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
                    out.put(p.getMetadata().getName(), new ReplicaCalculator.PodMetric(usageMilli.get(), Instant.now(),
                            Duration.ZERO));
                }
            }
            if (out.isEmpty()) {
                throw new ReplicaCalculator.CalculationException("unable to get metrics for resource " + resource
                        + ": no metrics returned from resource metrics API");
            }
            return out;
        }, Duration.ofSeconds(1));
        runner = new Thread(() -> {
            try {
                controller.run(2);
            } catch (InterruptedException ignored) {
                // stopping
            }
        });
        runner.setDaemon(true);
        runner.start();
    }

    @AfterAll
    static void stopController() {
        controller.close();
        informers.close();
    }

    private static Deployment deployment(String ns, String name, String cpuRequest) {
        var container = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("app").withImage("nginx");
        if (cpuRequest != null) {
            container.withNewResources().withRequests(Map.of("cpu", new Quantity(cpuRequest))).endResources();
        }
        return fixture.client().apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(Map.of("app", name)).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().withContainers(container.build()).endSpec().endTemplate().endSpec().build()).create();
    }

    private static String kubectl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", fixture.cluster().kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static JsonNode hpa(String ns, String name) {
        String body = fixture.client().raw(fixture.cluster().url() + "/apis/autoscaling/v2/namespaces/" + ns
                + "/horizontalpodautoscalers/" + name);
        try {
            return body == null ? null : JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int replicas(String ns, String name) {
        return fixture.client().apps().deployments().inNamespace(ns).withName(name).get().getSpec().getReplicas();
    }

    private static List<String> events(String ns, String name) {
        return fixture.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())
                        && "HorizontalPodAutoscaler".equals(e.getInvolvedObject().getKind()))
                .map(e -> e.getType() + " " + e.getReason() + " " + e.getMessage()).toList();
    }

    private static String condition(JsonNode hpa, String type) {
        for (JsonNode c : hpa.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c.path("status").asText() + " " + c.path("reason").asText() + " " + c.path("message").asText();
            }
        }
        return null;
    }

    @Test
    void kubectlAutoscaleScalesADeploymentUpUnderLoadAndBackDown() throws Exception {
        String ns = fixture.namespace("hpa");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ZERO)) {
            deployment(ns, "web", "100m");
            assertEquals("horizontalpodautoscaler.autoscaling/web autoscaled",
                    kubectl("autoscale", "deploy/web", "-n", ns, "--cpu-percent=50", "--min=1", "--max=5").strip());
            JsonNode v2 = hpa(ns, "web");
            assertEquals("Utilization", v2.at("/spec/metrics/0/resource/target/type").asText());
            assertEquals(50, v2.at("/spec/metrics/0/resource/target/averageUtilization").asInt());
            assertEquals("apps/v1", v2.at("/spec/scaleTargetRef/apiVersion").asText());

            usageMilli.set(100);
            Await.until("the deployment scaled to the maximum", Duration.ofSeconds(60), () -> replicas(ns, "web"),
                    r -> r == 5);
            List<String> events = Await.until("rescale events", Duration.ofSeconds(30), () -> events(ns, "web"),
                    e -> e.contains("Normal SuccessfulRescale New size: 2; reason: cpu resource utilization (percentage of request) above target"));
            assertTrue(events.contains("Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target"), events.toString());
            JsonNode atMax = Await.until("status at the maximum", Duration.ofSeconds(30), () -> hpa(ns, "web"),
                    h -> h.at("/status/currentReplicas").asInt() == 5 && condition(h, "ScalingLimited").startsWith("True"));
            assertEquals("True TooManyReplicas the desired replica count is more than the maximum replica count",
                    condition(atMax, "ScalingLimited"));
            assertEquals("True ValidMetricFound the HPA was able to successfully calculate a replica count from cpu"
                    + " resource utilization (percentage of request)", condition(atMax, "ScalingActive"));
            assertEquals(100, atMax.at("/status/currentMetrics/0/resource/current/averageUtilization").asInt());
            assertEquals("100m", atMax.at("/status/currentMetrics/0/resource/current/averageValue").asText());

            String table = kubectl("get", "hpa", "-n", ns);
            String[] lines = table.strip().split("\n");
            assertEquals(List.of("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"),
                    List.of(lines[0].trim().split("\\s+")), table);
            assertTrue(lines[1].matches("web\\s+Deployment/web\\s+cpu: 100%/50%\\s+1\\s+5\\s+5\\s+\\S+\\s*"), table);

            String v1 = kubectl("get", "horizontalpodautoscalers.v1.autoscaling", "web", "-n", ns, "-o", "jsonpath={.spec.targetCPUUtilizationPercentage} {.status.currentCPUUtilizationPercentage}");
            assertEquals("50 100", v1.strip());

            // scale down: kubectl autoscale's autoscaler has no behavior, so the default 5-minute stabilization holds
            // it; a behavior with no stabilization lets it go at once
            kubectl("patch", "hpa", "web", "-n", ns, "--type=merge", "-p",
                    "{\"spec\":{\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":0}}}}");
            usageMilli.set(5);
            Await.until("the deployment scaled back to the minimum", Duration.ofSeconds(60), () -> replicas(ns, "web"),
                    r -> r == 1);
            assertTrue(events(ns, "web").contains("Normal SuccessfulRescale New size: 1; reason: All metrics below target"),
                    events(ns, "web").toString());
        }
    }

    @Test
    void aTargetWithoutRequestsGetsAConditionAndAnEvent() throws Exception {
        String ns = fixture.namespace("hpa-noreq");
        try (HollowKubelet kubelet = new HollowKubelet(fixture.client(), ns, Duration.ZERO)) {
            deployment(ns, "bare", null);
            kubectl("autoscale", "deploy/bare", "-n", ns, "--cpu-percent=50", "--max=3");
            JsonNode h = Await.until("the ScalingActive condition", Duration.ofSeconds(60), () -> hpa(ns, "bare"),
                    x -> condition(x, "ScalingActive") != null);
            String pod = fixture.client().pods().inNamespace(ns).list().getItems().get(0).getMetadata().getName();
            assertEquals("False FailedGetResourceMetric the HPA was unable to compute the replica count: failed to get"
                    + " cpu utilization: missing request for cpu in container app of Pod " + pod, condition(h, "ScalingActive"));
            List<String> events = Await.until("warning events", Duration.ofSeconds(30), () -> events(ns, "bare"),
                    e -> e.stream().anyMatch(x -> x.startsWith("Warning FailedComputeMetricsReplicas")));
            assertTrue(events.contains("Warning FailedGetResourceMetric failed to get cpu utilization: missing request"
                    + " for cpu in container app of Pod " + pod), events.toString());
            assertTrue(events.contains("Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first"
                    + " error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request"
                    + " for cpu in container app of Pod " + pod), events.toString());
            assertEquals(1, replicas(ns, "bare"));
        }
    }

    @Test
    void invalidAutoscalersAreRefusedWithKubernetesMessages() throws Exception {
        String ns = fixture.namespace("hpa-invalid");
        String yaml = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: bad\nspec:\n"
                + "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 3\n  maxReplicas: 2\n"
                + "  behavior:\n    scaleUp:\n      policies: [{type: Pods, value: 0, periodSeconds: 1801}]\n";
        java.nio.file.Path file = java.nio.file.Files.createTempFile("hpa", ".yaml");
        java.nio.file.Files.writeString(file, yaml);
        String out = kubectl("create", "-n", ns, "-f", file.toString());
        assertEquals("The HorizontalPodAutoscaler \"bad\" is invalid: \n"
                + "* spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`\n"
                + "* spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero\n"
                + "* spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800",
                out.strip());
    }
}
