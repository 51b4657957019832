package dev.keelson.apiserver.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<OpenApi.Resource> RESOURCES = List.of(
            new OpenApi.Resource("apps", "v1", "Deployment", "deployments", true, Deployment.class, List.of("status", "scale")),
            new OpenApi.Resource("", "v1", "Pod", "pods", true, Pod.class, List.of("status", "binding", "eviction", "log")),
            new OpenApi.Resource("", "v1", "ConfigMap", "configmaps", true, ConfigMap.class, List.of()),
            new OpenApi.Resource("", "v1", "Node", "nodes", false, Node.class, List.of("status")));

    @Test
    void indexListsEachGroupVersionWithHash() {
        ObjectNode index = OpenApi.index(RESOURCES, "abc");
        assertEquals("/openapi/v3/apis/apps/v1?hash=abc", index.at("/paths/apis~1apps~1v1/serverRelativeURL").asText());
        assertEquals("/openapi/v3/api/v1?hash=abc", index.at("/paths/api~1v1/serverRelativeURL").asText());
        assertEquals(2, index.path("paths").size());
    }

    @Test
    void patchOperationDeclaresFieldValidationAndSingleGvk() {
        ObjectNode doc = OpenApi.document("apps/v1", RESOURCES);
        JsonNode patch = doc.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").path("patch");
        assertEquals(JSON.createObjectNode().put("group", "apps").put("version", "v1").put("kind", "Deployment"),
                patch.path("x-kubernetes-group-version-kind"));
        boolean fieldValidation = false;
        for (JsonNode p : patch.path("parameters")) {
            fieldValidation |= p.path("name").asText().equals("fieldValidation") && p.path("in").asText().equals("query");
        }
        assertTrue(fieldValidation);
        assertTrue(patch.at("/requestBody/content").has("application/apply-patch+yaml"));
        assertFalse(patch.at("/requestBody/content").has("application/strategic-merge-patch+json"));
        assertTrue(OpenApi.document("apps/v1", RESOURCES, true).path("paths")
                .path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
                .at("/patch/requestBody/content").has("application/strategic-merge-patch+json"));
        assertEquals("Scale", doc.path("paths").path("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale")
                .at("/patch/x-kubernetes-group-version-kind/kind").asText());
        assertFalse(doc.path("paths").has("/api/v1/namespaces/{namespace}/pods/{name}"));
    }

    @Test
    void clusterScopedKindsHaveNoNamespaceInPath() {
        ObjectNode doc = OpenApi.document("v1", RESOURCES);
        assertTrue(doc.path("paths").has("/api/v1/nodes/{name}"));
        assertTrue(doc.path("paths").has("/api/v1/namespaces/{namespace}/pods/{name}/eviction"));
        assertTrue(doc.path("paths").has("/api/v1/pods"));
    }

    @Test
    void schemasComeFromTheModelWithGvkAndPatchExtensions() {
        JsonNode schemas = OpenApi.document("apps/v1", RESOURCES).at("/components/schemas");
        JsonNode deployment = schemas.path("io.k8s.api.apps.v1.Deployment");
        assertEquals("Deployment", deployment.at("/x-kubernetes-group-version-kind/0/kind").asText());
        assertEquals("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
                deployment.at("/properties/metadata/allOf/0/$ref").asText());
        assertEquals("retainKeys", schemas.at("/io.k8s.api.apps.v1.DeploymentSpec/properties/strategy/x-kubernetes-patch-strategy").asText());
        JsonNode containers = schemas.at("/io.k8s.api.core.v1.PodSpec/properties/containers");
        assertEquals("array", containers.path("type").asText());
        assertEquals("name", containers.path("x-kubernetes-patch-merge-key").asText());
        assertEquals("merge", containers.path("x-kubernetes-patch-strategy").asText());
        assertEquals("#/components/schemas/io.k8s.api.core.v1.Container", containers.at("/items/allOf/0/$ref").asText());
        assertEquals("containerPort", schemas.at("/io.k8s.api.core.v1.Container/properties/ports/x-kubernetes-patch-merge-key").asText());
        assertEquals("string", schemas.at("/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta/properties/labels/additionalProperties/type").asText());
        assertEquals("#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString",
                schemas.at("/io.k8s.api.apps.v1.RollingUpdateDeployment/properties/maxSurge/allOf/0/$ref").asText());
        assertEquals("int32", schemas.at("/io.k8s.api.apps.v1.DeploymentSpec/properties/replicas/format").asText());
        assertEquals("Scale", schemas.at("/io.k8s.api.autoscaling.v1.Scale/x-kubernetes-group-version-kind/0/kind").asText());
    }

    @Test
    void unknownFieldsAreReportedWithKubernetesPaths() throws Exception {
        JsonNode body = JSON.readTree("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x","labels":{"any":"thing"}},
                 "spec":{"foo":1,"replicas":1,"template":{"spec":{"containers":[{"name":"a","imagePullPolicyy":"Always",
                   "ports":[{"containerPort":80,"bogus":true}],"resources":{"limits":{"cpu":"1"}}}]}}}}
                """);
        assertEquals(List.of(".spec.foo", ".spec.template.spec.containers[0].imagePullPolicyy",
                ".spec.template.spec.containers[0].ports[0].bogus"), UnknownFields.find(body, Deployment.class));
        assertEquals(List.of(), UnknownFields.find(JSON.readTree("{\"data\":{\"k\":\"v\"}}"), ConfigMap.class));
    }

    @Test
    void duplicateFieldsAreFoundInRawJson() {
        byte[] raw = """
                {"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"name":"x"},{"name":"y","image":"i","image":"j"}]}}
                """.getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of(".metadata.name", ".spec.containers[1].image"), UnknownFields.duplicates(raw));
    }
}
