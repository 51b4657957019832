package dev.keelson.apiserver.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.audit.AuditPolicy.Level;
import dev.keelson.apiserver.audit.AuditPolicy.Stage;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditPolicyTest {
    private static final Authenticator.User ALICE = new Authenticator.User("alice", List.of("dev", "system:authenticated"));
    private static final Authenticator.User NODE = new Authenticator.User("system:node:n1",
            List.of("system:nodes", "system:authenticated"));

    private static AuditPolicy policy(String rules) throws Exception {
        return AuditPolicy.decode(("apiVersion: audit.k8s.io/v1\nkind: Policy\n" + rules)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static Attributes res(Authenticator.User u, String verb, String group, String resource, String sub,
                                  String ns, String name) {
        return Attributes.resource(u, verb, group, "v1", resource, sub, ns, name);
    }

    private static String error(String rules) {
        return assertThrows(AuditPolicy.InvalidPolicyException.class, () -> policy(rules)).getMessage();
    }

    @Test
    void firstMatchingRuleDecidesWithKubesResourceMatching() throws Exception {
        AuditPolicy p = policy("""
                omitStages: [RequestReceived]
                rules:
                - level: None
                  users: [system:node:n1]
                - level: RequestResponse
                  resources:
                  - group: apps
                    resources: ["*/scale"]
                - level: Request
                  resources:
                  - group: ""
                    resources: ["pods/*"]
                - level: Metadata
                  namespaces: [kube-system]
                  resources:
                  - group: ""
                    resources: [configmaps]
                    resourceNames: [cfg]
                - level: Request
                  userGroups: [dev]
                  verbs: [create, delete]
                - level: Metadata
                  nonResourceURLs: ["/apis/*"]
                  omitStages: [ResponseStarted]
                """);
        assertEquals(Level.None, p.evaluate(res(NODE, "get", "", "pods", "", "default", "p")).level());
        assertEquals(Level.RequestResponse, p.evaluate(res(ALICE, "update", "apps", "deployments", "scale", "d", "w"))
                .level());
        assertEquals(Level.None, p.evaluate(res(ALICE, "update", "apps", "deployments", "", "d", "w")).level(),
                "no rule matches an update of the deployment itself");
        assertEquals(Level.Request, p.evaluate(res(ALICE, "get", "", "pods", "log", "d", "p")).level());
        assertEquals(Level.Request, p.evaluate(res(ALICE, "get", "", "pods", "", "d", "p")).level(),
                "as in kube, pods/* covers the pods themselves too");
        assertEquals(Level.Metadata, p.evaluate(res(ALICE, "get", "", "configmaps", "", "kube-system", "cfg")).level());
        assertEquals(Level.None, p.evaluate(res(ALICE, "get", "", "configmaps", "", "kube-system", "other")).level());
        assertEquals(Level.Request, p.evaluate(res(ALICE, "create", "", "configmaps", "", "default", "")).level());
        assertEquals(Level.None, p.evaluate(res(null, "create", "", "configmaps", "", "default", "")).level(),
                "a request without a user matches no userGroups rule");
        AuditPolicy.Decision urls = p.evaluate(Attributes.nonResource(ALICE, "get", "/apis/apps"));
        assertEquals(Level.Metadata, urls.level());
        assertEquals(Set.of(Stage.RequestReceived, Stage.ResponseStarted), urls.omitStages());
        assertFalse(urls.records(Stage.RequestReceived));
        assertTrue(urls.records(Stage.ResponseComplete));
        assertEquals(Level.None, p.evaluate(Attributes.nonResource(ALICE, "get", "/api")).level());
    }

    @Test
    void theServerDefaultPolicyKeepsCredentialsToMetadataAndSkipsNoise() {
        AuditPolicy p = AuditPolicy.serverDefault();
        assertEquals(Level.Metadata, p.evaluate(res(ALICE, "create", "", "secrets", "", "d", "")).level());
        assertEquals(Level.Metadata, p.evaluate(res(ALICE, "update", "", "configmaps", "", "d", "c")).level());
        assertEquals(Level.RequestResponse, p.evaluate(res(ALICE, "create", "apps", "deployments", "", "d", "")).level());
        assertEquals(Level.Metadata, p.evaluate(res(ALICE, "list", "", "pods", "", "d", "")).level());
        assertEquals(Level.None, p.evaluate(res(ALICE, "watch", "", "pods", "", "d", "")).level());
        assertEquals(Level.None, p.evaluate(res(NODE, "get", "", "pods", "", "d", "p")).level());
        assertEquals(Level.None, p.evaluate(Attributes.nonResource(null, "get", "/readyz")).level());
        assertEquals(Level.None, p.evaluate(res(NODE, "update", "coordination.k8s.io", "leases", "", "n", "n1")).level());
        assertTrue(p.omitManagedFields());
        assertEquals(Set.of(Stage.RequestReceived), p.omitStages());
    }

    @Test
    void invalidPoliciesGetKubesMessages() {
        assertEquals("rules[0].level: Unsupported value: \"Everything\": supported values: \"None\", \"Metadata\", "
                + "\"Request\", \"RequestResponse\"", error("rules:\n- level: Everything\n"));
        assertEquals("rules[0].level: Required value", error("rules:\n- verbs: [get]\n"));
        assertEquals("rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: rules cannot apply to both "
                + "regular resources and non-resource URLs", error("rules:\n- level: None\n  nonResourceURLs: "
                + "[/healthz]\n  namespaces: [default]\n"));
        assertEquals("[rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin "
                + "with a '/' character, rules[0].nonResourceURLs[1]: Invalid value: \"/a*b\": non-resource URL "
                + "wildcards '*' must be the final character of the rule]",
                error("rules:\n- level: None\n  nonResourceURLs: [healthz, '/a*b']\n"));
        assertEquals("rules[0].omitStages[0]: Invalid value: \"Done\": allowed stages are RequestReceived,"
                + "ResponseStarted,ResponseComplete,Panic", error("rules:\n- level: None\n  omitStages: [Done]\n"));
        assertEquals("rules[0].resources.resourceNames: Invalid value: []string{\"x\"}: using resourceNames "
                + "requires at least one resource", error("rules:\n- level: None\n  resources:\n  - group: \"\"\n"
                + "    resourceNames: [x]\n"));
        assertEquals("loaded illegal policy with 0 rules", error("rules: []\n"));
        assertEquals("unknown group version field audit.k8s.io/v1beta1, Kind=Policy in policy",
                assertThrows(AuditPolicy.InvalidPolicyException.class, () -> AuditPolicy.decode(
                        "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: []\n".getBytes())).getMessage());
    }
}
