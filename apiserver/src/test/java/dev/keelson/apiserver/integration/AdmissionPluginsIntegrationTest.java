package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admission chain on a real etcd with the default plugins and AlwaysPullImages: NamespaceLifecycle,
 * DefaultTolerationSeconds, AlwaysPullImages and PodSecurity (enforce and warn, pods and workloads, namespace
 * labels), as a client sees them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionPluginsIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of("alice-token,alice,1,\"dev\""));
    TestCluster cluster;
    KubernetesClient admin;
    ApiHttp alice;

    @BeforeAll
    void start() {
        cluster = TestCluster.start(o -> o.withTokenAuthFile(TOKENS).withAccess(new ApiServerOptions.Access(
                List.of("Node", "AlwaysAllow"), List.of("AlwaysPullImages"), List.of())));
        admin = cluster.client();
        alice = new ApiHttp(cluster, "alice-token");
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().addNewContainer()
                .withName("c").withImage("nginx:1.27").withImagePullPolicy("IfNotPresent").endContainer().endSpec()
                .build();
    }

    static String podJson(String name) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                + "\"nginx:1.27\"}]}}";
    }

    void namespace(String name, String... labels) {
        NamespaceBuilder b = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata();
        for (int i = 0; i < labels.length; i += 2) {
            b.editMetadata().addToLabels(labels[i], labels[i + 1]).endMetadata();
        }
        admin.namespaces().resource(b.build()).create();
    }

    @Test
    void namespaceLifecycleRefusesMissingTerminatingAndSystemNamespaces() {
        ApiHttp.Response missing = alice.post("/api/v1/namespaces/nope/pods", podJson("p"));
        assertEquals(404, missing.code(), missing.body());
        assertEquals("namespaces \"nope\" not found", missing.message());

        namespace("doomed");
        admin.configMaps().inNamespace("doomed").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata().withName("keep").withFinalizers("example.com/hold").endMetadata().build()).create();
        admin.namespaces().withName("doomed").delete();
        ApiHttp.Response terminating = alice.post("/api/v1/namespaces/doomed/pods", podJson("late"));
        assertEquals(403, terminating.code(), terminating.body());
        assertEquals("pods \"late\" is forbidden: unable to create new content in namespace doomed because it is "
                + "being terminated", terminating.message());
        JsonNode cause = terminating.json().path("details").path("causes").get(0);
        assertEquals("NamespaceTerminating", cause.path("reason").asText());
        assertEquals("metadata.namespace", cause.path("field").asText());
        // changing what is already there is still allowed while the namespace terminates
        assertEquals(200, alice.mergePatch("/api/v1/namespaces/doomed/configmaps/keep",
                "{\"metadata\":{\"finalizers\":null}}").code());

        ApiHttp.Response system = alice.delete("/api/v1/namespaces/default");
        assertEquals(403, system.code());
        assertEquals("namespaces \"default\" is forbidden: this namespace may not be deleted", system.message());
        assertNull(admin.namespaces().withName("default").get().getMetadata().getDeletionTimestamp());
    }

    @Test
    void defaultTolerationSecondsAndAlwaysPullImagesMutateNewPods() {
        Pod created = admin.pods().inNamespace("default").resource(pod("mutated")).create();
        List<Toleration> tolerations = created.getSpec().getTolerations();
        assertEquals(2, tolerations.size(), tolerations.toString());
        assertEquals("node.kubernetes.io/not-ready", tolerations.get(0).getKey());
        assertEquals(300L, tolerations.get(0).getTolerationSeconds());
        assertEquals("node.kubernetes.io/unreachable", tolerations.get(1).getKey());
        assertEquals("Always", created.getSpec().getContainers().get(0).getImagePullPolicy());

        Pod dryRun = admin.pods().inNamespace("default").resource(pod("dry")).dryRun().create();
        assertEquals("Always", dryRun.getSpec().getContainers().get(0).getImagePullPolicy());
        assertEquals(2, dryRun.getSpec().getTolerations().size());
        assertNull(admin.pods().inNamespace("default").withName("dry").get());

        Pod updated = admin.pods().inNamespace("default").withName("mutated").edit(p -> new PodBuilder(p)
                .editSpec().editFirstContainer().withImage("nginx:1.28").withImagePullPolicy("Never")
                .endContainer().endSpec().build());
        assertEquals("Always", updated.getSpec().getContainers().get(0).getImagePullPolicy());
    }

    @Test
    void podSecurityEnforceRefusesWithKubernetesMessage() {
        namespace("locked", "pod-security.kubernetes.io/enforce", "restricted");
        ApiHttp.Response refused = alice.post("/api/v1/namespaces/locked/pods", podJson("x"));
        assertEquals(403, refused.code(), refused.body());
        assertEquals("pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation "
                + "!= false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), unrestricted "
                + "capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != "
                + "true (pod or container \"c\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or "
                + "container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
                + "\"Localhost\")", refused.message());
        assertEquals("Forbidden", refused.json().path("reason").asText());
        assertEquals("x", refused.json().path("details").path("name").asText());
        assertNull(admin.pods().inNamespace("locked").withName("x").get());

        String compliant = "{\"metadata\":{\"name\":\"ok\"},\"spec\":{\"securityContext\":{\"runAsNonRoot\":true,"
                + "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\",\"image\":"
                + "\"nginx\",\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
                + "[\"ALL\"]}}}]}}";
        ApiHttp.Response ok = alice.post("/api/v1/namespaces/locked/pods", compliant);
        assertEquals(201, ok.code(), ok.body());
        assertTrue(ok.warnings().isEmpty(), ok.warnings().toString());

        namespace("base", "pod-security.kubernetes.io/enforce", "baseline",
                "pod-security.kubernetes.io/enforce-version", "v1.30");
        String privileged = "{\"metadata\":{\"name\":\"root\"},\"spec\":{\"hostPID\":true,\"containers\":[{"
                + "\"name\":\"a\",\"image\":\"nginx\",\"securityContext\":{\"privileged\":true}},{\"name\":\"b\","
                + "\"image\":\"nginx\",\"ports\":[{\"containerPort\":80,\"hostPort\":8080}]}]}}";
        assertEquals("pods \"root\" is forbidden: violates PodSecurity \"baseline:v1.30\": host namespaces "
                + "(hostPID), hostPort (container \"b\" uses hostPort 8080), privileged (container \"a\" must not "
                + "set securityContext.privileged=true)", alice.post("/api/v1/namespaces/base/pods", privileged)
                .message());
    }

    @Test
    void podSecurityWarnAnswersWarningHeadersForPodsAndWorkloads() {
        namespace("warned", "pod-security.kubernetes.io/warn", "baseline");
        String privileged = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                + "\"nginx\",\"securityContext\":{\"privileged\":true}}]}}";
        ApiHttp.Response pod = alice.post("/api/v1/namespaces/warned/pods", privileged);
        assertEquals(201, pod.code(), pod.body());
        assertEquals(List.of("299 - \"would violate PodSecurity \\\"baseline:latest\\\": privileged (container "
                + "\\\"c\\\" must not set securityContext.privileged=true)\""), pod.warnings());

        String deployment = "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"hostPID\":true,\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}";
        ApiHttp.Response deploy = alice.post("/apis/apps/v1/namespaces/warned/deployments", deployment);
        assertEquals(201, deploy.code(), deploy.body());
        assertEquals(List.of("299 - \"would violate PodSecurity \\\"baseline:latest\\\": host namespaces (hostPID)\""),
                deploy.warnings());
    }

    @Test
    void podSecurityChecksNamespaceLabelsAndWarnsAboutExistingPods() {
        ApiHttp.Response bad = alice.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"bad\",\"labels\":{"
                + "\"pod-security.kubernetes.io/enforce\":\"strict\"}}}");
        assertEquals(422, bad.code(), bad.body());
        assertEquals("namespaces \"bad\" is forbidden: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid "
                + "value: \"strict\": must be one of privileged, baseline, restricted", bad.message());
        assertNull(admin.namespaces().withName("bad").get());

        namespace("tighten");
        assertEquals(201, alice.post("/api/v1/namespaces/tighten/pods", podJson("a")).code());
        assertEquals(201, alice.post("/api/v1/namespaces/tighten/pods", podJson("b")).code());
        ApiHttp.Response labelled = alice.mergePatch("/api/v1/namespaces/tighten", "{\"metadata\":{\"labels\":{"
                + "\"pod-security.kubernetes.io/enforce\":\"restricted\"}}}");
        assertEquals(200, labelled.code(), labelled.body());
        assertEquals(List.of("299 - \"existing pods in namespace \\\"tighten\\\" violate the new PodSecurity enforce "
                        + "level \\\"restricted:latest\\\"\"",
                "299 - \"a (and 1 other pod): allowPrivilegeEscalation != false, unrestricted capabilities, "
                        + "runAsNonRoot != true, seccompProfile\""), labelled.warnings());
    }

    @Test
    void alwaysPullImagesCanBeDisabledAndUnknownPluginsAreRefused() {
        IllegalStateException unknown = assertThrows(IllegalStateException.class, () -> TestCluster.start(o ->
                o.withAccess(new ApiServerOptions.Access(List.of("Node"), List.of("Bogus"), List.of()))).close());
        assertTrue(unknown.getMessage().contains("enable-admission-plugins plugin \"Bogus\" is unknown"),
                unknown.getMessage());
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> admin.pods().inNamespace("nope").resource(pod("p")).create());
        assertEquals(404, e.getCode());
    }
}
