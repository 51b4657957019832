package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The authorization.k8s.io and authentication.k8s.io reviews and impersonation on a real etcd with Node,RBAC: what
 * kubectl auth can-i, can-i --list, whoami and --as send, answered as kube-apiserver answers them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessReviewIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of(
            "alice-token,alice,1,\"dev\"",
            "root-token,root,3,\"system:masters\""));
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final String AUTHZ = "/apis/authorization.k8s.io/v1";

    TestCluster cluster;
    ApiHttp root;
    ApiHttp alice;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start(o -> o.withTokenAuthFile(TOKENS));
        root = new ApiHttp(cluster, "root-token");
        alice = new ApiHttp(cluster, "alice-token");
        RbacIntegrationTest.created(root.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"team\"}}"));
        RbacIntegrationTest.created(root.post(RBAC + "/namespaces/team/roles", RbacIntegrationTest.role("reader",
                "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\"]}")));
        RbacIntegrationTest.created(root.post(RBAC + "/clusterroles", "{\"metadata\":{\"name\":\"as-bob\"},\"rules\":"
                + "[{\"apiGroups\":[\"\"],\"resources\":[\"users\"],\"resourceNames\":[\"bob\"],\"verbs\":"
                + "[\"impersonate\"]}]}"));
        RbacIntegrationTest.created(root.post(RBAC + "/clusterrolebindings", RbacIntegrationTest.binding(
                "alice-as-bob", "ClusterRole", "as-bob", RbacIntegrationTest.user("alice"))));
        RbacIntegrationTest.created(root.post(RBAC + "/namespaces/team/rolebindings", RbacIntegrationTest.binding(
                "alice", "Role", "reader", RbacIntegrationTest.user("alice"))));
        RbacIntegrationTest.created(root.post(RBAC + "/clusterrolebindings", RbacIntegrationTest.binding(
                "bob-views-nodes", "ClusterRole", "system:node-proxier", RbacIntegrationTest.user("bob"))));
        RbacIntegrationTest.eventually(200, () -> alice.get("/api/v1/namespaces/team/pods"));
        RbacIntegrationTest.eventually(200, () -> alice.withHeaders(Map.of("Impersonate-User", "bob"))
                .get("/api/v1/nodes"));
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    static String ssar(String namespace, String verb, String resource) {
        return "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":"
                + "{\"resourceAttributes\":{\"namespace\":\"" + namespace + "\",\"verb\":\"" + verb
                + "\",\"resource\":\"" + resource + "\"}}}";
    }

    @Test
    void selfSubjectAccessReviewsAnswerWhatTheAuthorizerDecides() {
        ApiHttp.Response yes = alice.post(AUTHZ + "/selfsubjectaccessreviews", ssar("team", "list", "pods"));
        assertEquals(201, yes.code(), yes.body());
        assertEquals("SelfSubjectAccessReview", yes.json().path("kind").asText());
        assertTrue(yes.json().path("status").path("allowed").asBoolean(), yes.body());
        JsonNode no = alice.post(AUTHZ + "/selfsubjectaccessreviews", ssar("other", "list", "pods")).json();
        assertFalse(no.path("status").path("allowed").asBoolean());
        assertFalse(no.path("status").has("denied"));
        JsonNode path = alice.post(AUTHZ + "/selfsubjectaccessreviews", "{\"spec\":{\"nonResourceAttributes\":"
                + "{\"path\":\"/apis\",\"verb\":\"get\"}}}").json();
        assertTrue(path.path("status").path("allowed").asBoolean(), path.toString());
        ApiHttp.Response both = alice.post(AUTHZ + "/selfsubjectaccessreviews", "{\"spec\":{}}");
        assertEquals(422, both.code(), both.body());
        assertTrue(both.message().contains("exactly one of nonResourceAttributes or resourceAttributes must be "
                + "specified"), both.message());
        assertEquals(405, root.get(AUTHZ + "/selfsubjectaccessreviews").code());
        // discovery lists the reviews with the create verb only
        JsonNode resources = root.get(AUTHZ).json().path("resources");
        List<String> names = resources.findValuesAsText("name");
        assertTrue(names.containsAll(List.of("selfsubjectaccessreviews", "selfsubjectrulesreviews",
                "subjectaccessreviews", "localsubjectaccessreviews")), names.toString());
        resources.forEach(r -> assertEquals("[\"create\"]", r.path("verbs").toString()));
    }

    @Test
    void subjectAccessReviewsAskForSomeoneElseAndNeedTheirOwnRight() {
        String sar = "{\"spec\":{\"user\":\"alice\",\"groups\":[\"dev\"],\"resourceAttributes\":{\"namespace\":"
                + "\"team\",\"verb\":\"get\",\"resource\":\"pods\"}}}";
        JsonNode answer = root.post(AUTHZ + "/subjectaccessreviews", sar).json();
        assertTrue(answer.path("status").path("allowed").asBoolean(), answer.toString());
        ApiHttp.Response denied = alice.post(AUTHZ + "/subjectaccessreviews", sar);
        assertEquals(403, denied.code());
        assertEquals("subjectaccessreviews.authorization.k8s.io is forbidden: User \"alice\" cannot create resource "
                + "\"subjectaccessreviews\" in API group \"authorization.k8s.io\" at the cluster scope",
                denied.message());
        ApiHttp.Response nobody = root.post(AUTHZ + "/subjectaccessreviews", "{\"spec\":{\"resourceAttributes\":{}}}");
        assertEquals(422, nobody.code());
        assertTrue(nobody.message().contains("spec.user: Invalid value: \"\": at least one of user or group must be "
                + "specified"), nobody.message());
        ApiHttp.Response local = root.post(AUTHZ + "/namespaces/team/localsubjectaccessreviews", "{\"spec\":{\"user\":"
                + "\"alice\",\"resourceAttributes\":{\"namespace\":\"team\",\"verb\":\"list\",\"resource\":\"pods\"}}}");
        assertEquals(201, local.code(), local.body());
        assertTrue(local.json().path("status").path("allowed").asBoolean());
        assertEquals(400, root.post(AUTHZ + "/namespaces/team/localsubjectaccessreviews", "{\"spec\":{\"user\":"
                + "\"alice\",\"resourceAttributes\":{\"namespace\":\"x\",\"verb\":\"list\",\"resource\":\"pods\"}}}")
                .code());
    }

    @Test
    void rulesReviewsListTheCallersRules() {
        JsonNode status = alice.post(AUTHZ + "/selfsubjectrulesreviews", "{\"spec\":{\"namespace\":\"team\"}}").json()
                .path("status");
        assertFalse(status.path("incomplete").asBoolean());
        assertTrue(status.path("resourceRules").toString().contains("{\"verbs\":[\"get\",\"list\"],\"apiGroups\":"
                + "[\"\"],\"resources\":[\"pods\"]}"), status.toString());
        assertTrue(status.path("resourceRules").toString().contains("\"resources\":[\"selfsubjectaccessreviews\","
                + "\"selfsubjectrulesreviews\"]"), status.toString());
        assertTrue(status.path("nonResourceRules").toString().contains("/apis/*"), status.toString());
        JsonNode other = alice.post(AUTHZ + "/selfsubjectrulesreviews", "{\"spec\":{\"namespace\":\"other\"}}").json();
        assertFalse(other.path("status").path("resourceRules").toString().contains("\"pods\""), other.toString());
        assertEquals(400, alice.post(AUTHZ + "/selfsubjectrulesreviews", "{\"spec\":{}}").code());
    }

    @Test
    void whoAmIAndImpersonation() {
        JsonNode me = alice.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}").json();
        assertEquals("alice", me.at("/status/userInfo/username").asText());
        assertEquals("[\"dev\",\"system:authenticated\"]", me.at("/status/userInfo/groups").toString());

        // alice may impersonate bob (and nobody else), and then has bob's rights, not hers
        ApiHttp asBob = alice.withHeaders(Map.of("Impersonate-User", "bob"));
        JsonNode bob = asBob.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}").json();
        assertEquals("bob", bob.at("/status/userInfo/username").asText());
        assertEquals("[\"system:authenticated\"]", bob.at("/status/userInfo/groups").toString());
        assertEquals(200, asBob.get("/api/v1/nodes").code());
        assertEquals(403, asBob.get("/api/v1/namespaces/team/pods").code());
        ApiHttp.Response carol = alice.withHeaders(Map.of("Impersonate-User", "carol")).get("/api/v1/nodes");
        assertEquals(403, carol.code());
        assertEquals("users \"carol\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group "
                + "\"\" at the cluster scope", carol.message());
        ApiHttp.Response group = alice.withHeaders(Map.of("Impersonate-User", "bob", "Impersonate-Group",
                "system:masters")).get("/api/v1/nodes");
        assertEquals(403, group.code());
        assertEquals("groups \"system:masters\" is forbidden: User \"alice\" cannot impersonate resource \"groups\" in "
                + "API group \"\" at the cluster scope", group.message());
        // system:masters may impersonate anyone, with groups
        JsonNode sa = root.withHeaders(Map.of("Impersonate-User", "system:serviceaccount:team:builder"))
                .post("/apis/authentication.k8s.io/v1/selfsubjectreviews", "{}").json();
        assertEquals("[\"system:serviceaccounts\",\"system:serviceaccounts:team\",\"system:authenticated\"]",
                sa.at("/status/userInfo/groups").toString());
        assertEquals(500, root.withHeaders(Map.of("Impersonate-Group", "g")).get("/api/v1/nodes").code());
    }
}
