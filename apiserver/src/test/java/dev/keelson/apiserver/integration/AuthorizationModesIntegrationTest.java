package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --authorization-mode} on a real etcd: the chain's decisions as users see them (403 with Kubernetes' exact
 * Forbidden message and details), system:masters always allowed, the default keeping today's behaviour, RBAC refused.
 */
class AuthorizationModesIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of(
            "alice-token,alice,1,\"dev\"",
            "root-token,root,2,\"system:masters\"",
            "n1-token,system:node:n1,3,\"system:nodes\""));
    static final String POD = "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";

    static TestCluster start(List<String> modes) {
        return TestCluster.start(o -> o.withTokenAuthFile(TOKENS)
                .withAccess(new ApiServerOptions.Access(modes, List.of(), List.of())));
    }

    @Test
    void alwaysDenyForbidsEveryoneButSystemMastersWithKubernetesMessages() {
        try (TestCluster cluster = start(List.of("AlwaysDeny"))) {
            ApiHttp alice = new ApiHttp(cluster, "alice-token");
            ApiHttp root = new ApiHttp(cluster, "root-token");

            assertEquals(201, root.post("/api/v1/namespaces/default/pods", POD).code());
            assertEquals(200, root.get("/api/v1/namespaces/default/pods/x").code());

            ApiHttp.Response get = alice.get("/api/v1/namespaces/default/pods/x");
            assertEquals(403, get.code(), get.body());
            JsonNode status = get.json();
            assertEquals("Forbidden", status.path("reason").asText());
            assertEquals("pods \"x\" is forbidden: User \"alice\" cannot get resource \"pods\" in API group \"\" in "
                    + "the namespace \"default\"", status.path("message").asText());
            assertEquals("x", status.path("details").path("name").asText());
            assertEquals("pods", status.path("details").path("kind").asText());
            assertFalse(status.path("details").has("group"));

            assertEquals("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" at the "
                    + "cluster scope", alice.get("/api/v1/pods").message());
            assertEquals("pods is forbidden: User \"alice\" cannot watch resource \"pods\" in API group \"\" in the "
                    + "namespace \"default\"", alice.get("/api/v1/namespaces/default/pods?watch=true").message());
            assertEquals("pods is forbidden: User \"alice\" cannot create resource \"pods\" in API group \"\" in the "
                    + "namespace \"default\"", alice.post("/api/v1/namespaces/default/pods", POD).message());
            assertEquals("pods \"x\" is forbidden: User \"alice\" cannot get resource \"pods/log\" in API group \"\" "
                    + "in the namespace \"default\"", alice.get("/api/v1/namespaces/default/pods/x/log").message());
            ApiHttp.Response deploy = alice.get("/apis/apps/v1/namespaces/default/deployments/web");
            assertEquals("deployments.apps \"web\" is forbidden: User \"alice\" cannot get resource \"deployments\" in "
                    + "API group \"apps\" in the namespace \"default\"", deploy.message());
            assertEquals("apps", deploy.json().path("details").path("group").asText());
            assertEquals("namespaces \"kube-system\" is forbidden: User \"alice\" cannot get resource \"namespaces\" in "
                    + "API group \"\" in the namespace \"kube-system\"", alice.get("/api/v1/namespaces/kube-system")
                    .message());
            assertEquals("nodes \"n1\" is forbidden: User \"alice\" cannot delete resource \"nodes\" in API group \"\" "
                    + "at the cluster scope", alice.delete("/api/v1/nodes/n1").message());
            // a resource that does not exist is authorized first, as kube-apiserver does
            assertEquals(403, alice.get("/apis/example.com/v1/widgets").code());

            ApiHttp.Response path = alice.get("/apis");
            assertEquals(403, path.code());
            assertEquals("forbidden: User \"alice\" cannot get path \"/apis\"", path.message());
            assertEquals(403, alice.get("/openapi/v2").code());
            // still in place after the refusals
            assertEquals(200, root.get("/api/v1/namespaces/default/pods/x").code());
        }
    }

    @Test
    void nodeModeAloneHasNoOpinionOnOtherUsersAndAlwaysAllowAllowsThem() {
        try (TestCluster cluster = start(List.of("Node"))) {
            ApiHttp alice = new ApiHttp(cluster, "alice-token");
            ApiHttp n1 = new ApiHttp(cluster, "n1-token");
            ApiHttp.Response r = alice.get("/api/v1/namespaces/default/configmaps");
            assertEquals(403, r.code());
            assertEquals("configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" "
                    + "in the namespace \"default\"", r.message());
            assertEquals(200, n1.get("/api/v1/nodes").code());
            ApiHttp.Response secret = n1.get("/api/v1/namespaces/default/secrets/s");
            assertEquals("secrets \"s\" is forbidden: User \"system:node:n1\" cannot get resource \"secrets\" in API "
                    + "group \"\" in the namespace \"default\": no relationship found between node 'n1' and this "
                    + "object", secret.message());
        }
        try (TestCluster cluster = start(List.of("Node", "AlwaysAllow"))) {
            ApiHttp alice = new ApiHttp(cluster, "alice-token");
            ApiHttp n1 = new ApiHttp(cluster, "n1-token");
            assertEquals(201, alice.post("/api/v1/namespaces/default/pods", POD).code());
            assertEquals(200, alice.get("/apis").code());
            ApiHttp.Response nodeWrite = n1.post("/api/v1/namespaces/default/serviceaccounts",
                    "{\"metadata\":{\"name\":\"c\"}}");
            assertEquals(403, nodeWrite.code());
            assertEquals("serviceaccounts is forbidden: User \"system:node:n1\" cannot create resource \"serviceaccounts\" in API "
                    + "group \"\" in the namespace \"default\": node 'n1' may only read this resource",
                    nodeWrite.message());
        }
    }

    @Test
    void unimplementedAndUnknownModesAreRefusedAtStart() {
        IllegalStateException abac = assertThrows(IllegalStateException.class,
                () -> start(List.of("Node", "ABAC")).close());
        assertTrue(abac.getMessage().contains("authorization-mode \"ABAC\" is not implemented by Keelson yet"),
                abac.getMessage());
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> start(List.of("Everything")).close());
        assertTrue(unknown.getMessage().contains("authorization-mode \"Everything\" is not a valid mode"),
                unknown.getMessage());
    }
}
