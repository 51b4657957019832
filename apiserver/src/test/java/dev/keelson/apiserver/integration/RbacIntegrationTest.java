package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RBAC on a real etcd with the default {@code --authorization-mode=Node,RBAC}: the four kinds' validation and columns,
 * evaluation of Roles, ClusterRoles and their bindings (users, groups, resource names, subresources, missing roles),
 * escalation prevention with the escalate and bind verbs, the bootstrap policy and anonymous requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbacIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of(
            "alice-token,alice,1,\"dev\"",
            "bob-token,bob,2,\"ops\"",
            "root-token,root,3,\"system:masters\""));
    static final String RBAC = "/apis/rbac.authorization.k8s.io/v1";
    static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

    TestCluster cluster;
    ApiHttp root;
    ApiHttp alice;
    ApiHttp bob;

    @BeforeAll
    void start() {
        cluster = TestCluster.start(o -> o.withTokenAuthFile(TOKENS));
        root = new ApiHttp(cluster, "root-token");
        alice = new ApiHttp(cluster, "alice-token");
        bob = new ApiHttp(cluster, "bob-token");
        for (String ns : List.of("team", "other")) {
            created(root.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + ns + "\"}}"));
        }
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    static void created(ApiHttp.Response r) {
        assertEquals(201, r.code(), r.body());
    }

    /** Polls {@code get} until its status is {@code code}: the authorizer reads the watch cache, not etcd. */
    static ApiHttp.Response eventually(int code, Supplier<ApiHttp.Response> get) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        ApiHttp.Response r = get.get();
        while (r.code() != code && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
            r = get.get();
        }
        assertEquals(code, r.code(), r.body());
        return r;
    }

    static String role(String name, String rules) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"rules\":[" + rules + "]}";
    }

    static String binding(String name, String roleKind, String role, String subjects) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
                + "\"kind\":\"" + roleKind + "\",\"name\":\"" + role + "\"},\"subjects\":[" + subjects + "]}";
    }

    static String user(String name) {
        return "{\"kind\":\"User\",\"name\":\"" + name + "\"}";
    }

    @Test
    void invalidRolesAndBindingsAre422WithKubernetesCauses() {
        ApiHttp.Response empty = root.post(RBAC + "/namespaces/team/roles", role("bad", "{}"));
        assertEquals(422, empty.code(), empty.body());
        assertEquals("Role.rbac.authorization.k8s.io \"bad\" is invalid: [rules[0].verbs: Required value: verbs must "
                + "contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least "
                + "one api group, rules[0].resources: Required value: resource rules must supply at least one "
                + "resource]", empty.message());
        ApiHttp.Response urls = root.post(RBAC + "/namespaces/team/roles",
                role("urls", "{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz\"]}"));
        assertEquals("Role.rbac.authorization.k8s.io \"urls\" is invalid: rules[0].nonResourceURLs: Invalid value: "
                + "[]string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs", urls.message());
        ApiHttp.Response agg = root.post(RBAC + "/clusterroles",
                "{\"metadata\":{\"name\":\"agg\"},\"aggregationRule\":{\"clusterRoleSelectors\":[]}}");
        assertEquals("ClusterRole.rbac.authorization.k8s.io \"agg\" is invalid: aggregationRule.clusterRoleSelectors: "
                + "Required value: at least one clusterRoleSelector required if aggregationRule is non-nil",
                agg.message());
        ApiHttp.Response kind = root.post(RBAC + "/clusterrolebindings", binding("b", "Role", "x",
                "{\"kind\":\"Robot\",\"name\":\"r2\"},{\"kind\":\"ServiceAccount\",\"name\":\"sa\"}"));
        JsonNode causes = kind.json().path("details").path("causes");
        assertEquals(3, causes.size(), kind.body());
        assertEquals("Unsupported value: \"Role\": supported values: \"ClusterRole\"",
                causes.get(0).path("message").asText());
        assertEquals("subjects[0].kind", causes.get(1).path("field").asText());
        assertEquals("subjects[1].namespace", causes.get(2).path("field").asText());

        created(root.post(RBAC + "/namespaces/team/rolebindings", binding("fixed", "Role", "a", user("u"))));
        ApiHttp.Response changed = root.put(RBAC + "/namespaces/team/rolebindings/fixed",
                binding("fixed", "Role", "b", user("u")));
        assertEquals(422, changed.code(), changed.body());
        assertEquals("RoleBinding.rbac.authorization.k8s.io \"fixed\" is invalid: roleRef: Invalid value: "
                + "rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"b\"}: cannot change "
                + "roleRef", changed.message());
    }

    @Test
    void tablesHaveKubernetesColumns() {
        created(root.post(RBAC + "/namespaces/other/rolebindings", binding("wide", "ClusterRole", "view",
                user("u1") + ",{\"kind\":\"Group\",\"name\":\"g1\"},{\"kind\":\"ServiceAccount\",\"name\":\"sa1\","
                        + "\"namespace\":\"other\"}")));
        JsonNode table = root.withHeaders(Map.of("Accept", TABLE)).get(RBAC + "/namespaces/other/rolebindings/wide")
                .json();
        List<String> names = table.path("columnDefinitions").findValuesAsText("name");
        assertEquals(List.of("Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"), names);
        JsonNode cells = table.path("rows").get(0).path("cells");
        assertEquals("ClusterRole/view", cells.get(1).asText());
        assertEquals("u1", cells.get(3).asText());
        assertEquals("g1", cells.get(4).asText());
        assertEquals("other:sa1", cells.get(5).asText());
        JsonNode roles = root.withHeaders(Map.of("Accept", TABLE)).get(RBAC + "/clusterroles/cluster-admin").json();
        assertEquals(List.of("Name", "Created At"), roles.path("columnDefinitions").findValuesAsText("name"));
        assertTrue(roles.path("rows").get(0).path("cells").get(1).asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
                roles.toString());
    }

    @Test
    void bindingsGrantWhatTheirRolesAllowAndNothingElse() throws Exception {
        ApiHttp.Response denied = alice.get("/api/v1/namespaces/team/pods");
        assertEquals(403, denied.code());
        assertEquals("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" in the "
                + "namespace \"team\"", denied.message());

        created(root.post(RBAC + "/namespaces/team/roles", role("pod-reader",
                "{\"apiGroups\":[\"\"],\"resources\":[\"pods\",\"pods/log\"],\"verbs\":[\"get\",\"list\"]},"
                        + "{\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],\"resourceNames\":[\"app\"],"
                        + "\"verbs\":[\"get\"]}")));
        created(root.post(RBAC + "/namespaces/team/rolebindings", binding("alice-reads", "Role", "pod-reader",
                user("alice"))));
        eventually(200, () -> alice.get("/api/v1/namespaces/team/pods"));
        assertEquals(403, alice.get("/api/v1/namespaces/other/pods").code());
        assertEquals(403, alice.get("/api/v1/pods").code());
        assertEquals(403, alice.get("/api/v1/namespaces/team/pods?watch=true").code());
        assertEquals(404, alice.get("/api/v1/namespaces/team/configmaps/app").code());
        assertEquals(403, alice.get("/api/v1/namespaces/team/configmaps/other").code());
        assertEquals(403, alice.get("/api/v1/namespaces/team/configmaps").code());
        assertEquals(403, alice.post("/api/v1/namespaces/team/pods", "{}").code());

        // a group binding to a cluster role, in every namespace
        created(root.post(RBAC + "/clusterroles", "{\"metadata\":{\"name\":\"status-reader\"},\"rules\":[{\"apiGroups\":"
                + "[\"*\"],\"resources\":[\"*/status\"],\"verbs\":[\"get\"]}]}"));
        created(root.post(RBAC + "/clusterrolebindings", binding("ops-status", "ClusterRole", "status-reader",
                "{\"kind\":\"Group\",\"name\":\"ops\"}")));
        eventually(404, () -> bob.get("/api/v1/namespaces/other/pods/x/status"));
        assertEquals(403, bob.get("/api/v1/namespaces/other/pods/x").code());

        // a binding to a role that does not exist names it in the reason
        created(root.post(RBAC + "/namespaces/other/rolebindings", binding("ghost", "Role", "ghost", user("bob"))));
        ApiHttp.Response ghost = eventually(403, () -> bob.get("/api/v1/namespaces/other/secrets"));
        for (int i = 0; i < 200 && !ghost.message().contains("RBAC"); i++) {
            Thread.sleep(50);
            ghost = bob.get("/api/v1/namespaces/other/secrets");
        }
        assertEquals("secrets is forbidden: User \"bob\" cannot list resource \"secrets\" in API group \"\" in the "
                + "namespace \"other\": RBAC: role.rbac.authorization.k8s.io \"ghost\" not found", ghost.message());

        // deleting the binding takes the grant away
        assertEquals(200, root.delete(RBAC + "/namespaces/team/rolebindings/alice-reads").code());
        eventually(403, () -> alice.get("/api/v1/namespaces/team/pods"));
    }

    @Test
    void nobodyGrantsWhatTheyDoNotHoldUnlessAllowedToEscalateOrBind() throws Exception {
        // carol-like rights for bob in "esc": manage roles and bindings, read pods, nothing about secrets
        created(root.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"esc\"}}"));
        created(root.post(RBAC + "/namespaces/esc/roles", role("manager",
                "{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":[\"roles\",\"rolebindings\"],"
                        + "\"verbs\":[\"create\",\"get\",\"list\",\"update\"]},"
                        + "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"get\",\"list\"]}")));
        created(root.post(RBAC + "/namespaces/esc/rolebindings", binding("bob-manager", "Role", "manager",
                user("bob"))));
        eventually(200, () -> bob.get(RBAC + "/namespaces/esc/roles"));

        created(bob.post(RBAC + "/namespaces/esc/roles", role("pods-only",
                "{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],\"verbs\":[\"list\"]}")));
        ApiHttp.Response escalate = bob.post(RBAC + "/namespaces/esc/roles", role("secrets",
                "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\",\"pods\"],\"verbs\":[\"get\",\"list\"]}"));
        assertEquals(403, escalate.code(), escalate.body());
        assertEquals("roles.rbac.authorization.k8s.io \"secrets\" is forbidden: user \"bob\" (groups=[\"ops\" "
                + "\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}", escalate.message());
        assertEquals(404, root.get(RBAC + "/namespaces/esc/roles/secrets").code());

        created(bob.post(RBAC + "/namespaces/esc/rolebindings", binding("b1", "Role", "pods-only", user("dave"))));
        ApiHttp.Response bindAdmin = bob.post(RBAC + "/namespaces/esc/rolebindings",
                binding("b2", "ClusterRole", "cluster-admin", user("dave")));
        assertEquals(403, bindAdmin.code(), bindAdmin.body());
        assertTrue(bindAdmin.message().startsWith("rolebindings.rbac.authorization.k8s.io \"b2\" is forbidden: user "
                + "\"bob\" (groups=[\"ops\" \"system:authenticated\"]) is attempting to grant RBAC permissions not "
                + "currently held:\n{APIGroups:[\"*\"], Resources:[\"*\"], Verbs:[\"*\"]}"), bindAdmin.message());
        ApiHttp.Response missing = bob.post(RBAC + "/namespaces/esc/rolebindings", binding("b3", "Role", "nope",
                user("dave")));
        assertEquals(404, missing.code(), missing.body());
        assertEquals("roles.rbac.authorization.k8s.io \"nope\" not found", missing.message());

        // the bind verb on a role, and the escalate verb on roles, lift the check
        created(root.post(RBAC + "/namespaces/esc/roles", role("binder",
                "{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":[\"clusterroles\"],"
                        + "\"resourceNames\":[\"edit\"],\"verbs\":[\"bind\"]},"
                        + "{\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":[\"roles\"],"
                        + "\"verbs\":[\"escalate\"]}")));
        created(root.post(RBAC + "/namespaces/esc/rolebindings", binding("bob-binder", "Role", "binder",
                user("bob"))));
        eventually(201, () -> bob.post(RBAC + "/namespaces/esc/rolebindings", binding("b4", "ClusterRole", "edit",
                user("dave"))));
        created(bob.post(RBAC + "/namespaces/esc/roles", role("secrets",
                "{\"apiGroups\":[\"\"],\"resources\":[\"secrets\"],\"verbs\":[\"get\"]}")));
        assertEquals(403, bob.post(RBAC + "/namespaces/esc/rolebindings", binding("b5", "ClusterRole", "cluster-admin",
                user("dave"))).code());
    }

    @Test
    void theBootstrapPolicyIsThereAndAnonymousGetsOnlyWhatItGrants() throws Exception {
        JsonNode admin = root.get(RBAC + "/clusterroles/cluster-admin").json();
        assertEquals("rbac-defaults", admin.at("/metadata/labels/kubernetes.io~1bootstrapping").asText());
        assertEquals("true", admin.at("/metadata/annotations/rbac.authorization.kubernetes.io~1autoupdate").asText());
        JsonNode view = root.get(RBAC + "/clusterroles/view").json();
        assertEquals("true", view.at("/aggregationRule/clusterRoleSelectors/0/matchLabels/"
                + "rbac.authorization.k8s.io~1aggregate-to-view").asText());
        assertEquals(List.of("system:authenticated"), root.get(RBAC + "/clusterrolebindings/system:discovery").json()
                .path("subjects").findValuesAsText("name"));
        // every authenticated user may discover the API and review itself
        assertEquals(200, alice.get("/apis").code());
        assertEquals(200, alice.get("/api/v1").code());
        ApiHttp anonymous = new ApiHttp(cluster, null);
        assertEquals(200, anonymous.get("/version").code());
        assertEquals(200, anonymous.get("/healthz").code());
        assertEquals(401, anonymous.get("/apis").code());
        assertEquals(401, anonymous.get("/api/v1/namespaces/default/pods").code());
        created(root.post(RBAC + "/clusterrolebindings", binding("anonymous-discovery", "ClusterRole",
                "system:discovery", "{\"kind\":\"Group\",\"name\":\"system:unauthenticated\"}")));
        eventually(200, () -> anonymous.get("/apis"));
        assertEquals(401, anonymous.get("/api/v1/namespaces/default/pods").code());
        assertEquals(200, root.delete(RBAC + "/clusterrolebindings/anonymous-discovery").code());
        eventually(401, () -> anonymous.get("/apis"));
    }
}
