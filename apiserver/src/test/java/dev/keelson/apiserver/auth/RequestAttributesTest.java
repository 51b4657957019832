package dev.keelson.apiserver.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Request attributes as kube-apiserver's RequestInfoFactory reads them, and the union of the authorizer chain. */
class RequestAttributesTest {
    static final Authenticator.User ALICE = new Authenticator.User("alice", List.of("system:authenticated"));

    static Attributes of(HttpMethod m, String path, String watch, String fieldSelector) {
        return RequestAttributes.of(m, path, watch, fieldSelector, ALICE);
    }

    @Test
    void resourcePathsGiveVerbGroupResourceNamespaceNameAndSubresource() {
        assertEquals(Attributes.resource(ALICE, "get", "", "v1", "pods", "log", "default", "x"),
                of(HttpMethod.GET, "/api/v1/namespaces/default/pods/x/log", null, null));
        assertEquals(Attributes.resource(ALICE, "list", "apps", "v1", "deployments", "", "", ""),
                of(HttpMethod.GET, "/apis/apps/v1/deployments", null, null));
        assertEquals(Attributes.resource(ALICE, "watch", "", "v1", "nodes", "", "", "n1"),
                of(HttpMethod.GET, "/api/v1/nodes", "true", "metadata.name=n1"));
        assertEquals(Attributes.resource(ALICE, "create", "", "v1", "pods", "", "ns", ""),
                of(HttpMethod.POST, "/api/v1/namespaces/ns/pods", null, null));
        assertEquals(Attributes.resource(ALICE, "deletecollection", "", "v1", "pods", "", "ns", ""),
                of(HttpMethod.DELETE, "/api/v1/namespaces/ns/pods", null, null));
        assertEquals(Attributes.resource(ALICE, "update", "", "v1", "namespaces", "finalize", "ns", "ns"),
                of(HttpMethod.PUT, "/api/v1/namespaces/ns/finalize", null, null));
        assertEquals(Attributes.resource(ALICE, "get", "", "v1", "namespaces", "", "ns", "ns"),
                of(HttpMethod.GET, "/api/v1/namespaces/ns", null, null));
        assertEquals(Attributes.resource(ALICE, "patch", "apps", "v1", "deployments", "scale", "ns", "web"),
                of(HttpMethod.PATCH, "/apis/apps/v1/namespaces/ns/deployments/web/scale", null, null));
    }

    @Test
    void discoveryAndOtherPathsAreNonResourceRequests() {
        for (String path : List.of("/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/openapi/v3",
                "/metrics")) {
            Attributes a = of(HttpMethod.GET, path, null, null);
            assertEquals(false, a.resourceRequest(), path);
            assertEquals("get", a.verb());
            assertEquals(path, a.path());
        }
        assertEquals("post", of(HttpMethod.POST, "/foo", null, null).verb());
    }

    @Test
    void chainAllowsMastersFirstAndTheFirstDecisionWins() {
        Map<String, Supplier<Authorizer>> modes = AuthorizerChain.builtInModes(
                () -> a -> a.user().name().startsWith("system:node:") ? Decision.deny("nodes never")
                        : Decision.noOpinion("not a node"), () -> a -> Decision.NO_OPINION);
        AuthorizerChain nodeOnly = AuthorizerChain.build(List.of("Node"), modes);
        Attributes get = of(HttpMethod.GET, "/api/v1/namespaces/default/pods/x", null, null);
        assertEquals(Decision.noOpinion("not a node"), nodeOnly.authorize(get));
        assertEquals(Decision.Kind.ALLOW, AuthorizerChain.build(List.of("Node", "AlwaysAllow"), modes)
                .authorize(get).kind());
        assertEquals(Decision.Kind.DENY, AuthorizerChain.build(List.of("AlwaysDeny", "AlwaysAllow"), modes)
                .authorize(get).kind());
        Attributes master = RequestAttributes.of(HttpMethod.GET, "/api/v1/pods", null, null,
                new Authenticator.User("root", List.of("system:masters")));
        assertEquals(Decision.Kind.ALLOW, AuthorizerChain.build(List.of("AlwaysDeny"), modes).authorize(master)
                .kind());
        assertEquals("pods \"x\" is forbidden: User \"alice\" cannot get resource \"pods\" in API group \"\" in the "
                + "namespace \"default\": not a node", AuthorizerChain.forbidden(get, "not a node").getMessage());
    }

    @Test
    void modeListsAreCheckedAsKubeApiserverDoes() {
        assertEquals("at least one authorization-mode must be passed", assertThrows(IllegalArgumentException.class,
                () -> AuthorizerChain.validate(List.of())).getMessage());
        assertEquals("authorization-mode \"Node\" has mode specified more than once", assertThrows(
                IllegalArgumentException.class, () -> AuthorizerChain.validate(List.of("Node", "Node"))).getMessage());
        assertEquals("authorization-mode \"ABAC\" is not implemented by Keelson yet; the modes available are "
                + "AlwaysAllow, AlwaysDeny, Node, RBAC (the default is Node,RBAC)", assertThrows(
                IllegalArgumentException.class, () -> AuthorizerChain.validate(List.of("Node", "ABAC"))).getMessage());
        AuthorizerChain.validate(List.of("Node", "RBAC"));
    }
}
