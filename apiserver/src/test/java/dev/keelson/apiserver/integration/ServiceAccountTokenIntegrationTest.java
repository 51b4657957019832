package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.auth.Jwt;
import dev.keelson.apiserver.auth.ServiceAccountKey;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.Kubeconfigs;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Service-account tokens on a real etcd, as clients see them: the TokenRequest API (claims, defaults, validation,
 * bindings), the tokens authenticating as system:serviceaccount:NS:NAME, and 401 for an expired, forged,
 * wrong-audience, deleted-pod or deleted-account token; the OIDC discovery documents whose key verifies the tokens;
 * a node asking for tokens of its own pods only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceAccountTokenIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of("admin-token,admin,1,\"system:masters\""));
    static final String NS = "tokens";
    TestCluster cluster;
    KubernetesClient admin;
    ApiHttp http;
    KubernetesClient n1;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start(o -> o.withTokenAuthFile(TOKENS));
        admin = cluster.client();
        http = new ApiHttp(cluster, "admin-token");
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
        for (String sa : List.of("robot", "other", "doomed")) {
            admin.serviceAccounts().inNamespace(NS).resource(new ServiceAccountBuilder().withNewMetadata().withName(sa)
                    .endMetadata().build()).create();
        }
        // the namespace's accounts may list its pods (RBAC is on): 200 proves authentication, 401 its refusal
        ApiHttp.Response role = http.post("/apis/rbac.authorization.k8s.io/v1/namespaces/" + NS + "/roles",
                "{\"metadata\":{\"name\":\"pod-reader\"},\"rules\":[{\"apiGroups\":[\"\"],\"resources\":[\"pods\"],"
                + "\"verbs\":[\"get\",\"list\"]}]}");
        assertEquals(201, role.code(), role.body());
        ApiHttp.Response binding = http.post("/apis/rbac.authorization.k8s.io/v1/namespaces/" + NS + "/rolebindings",
                "{\"metadata\":{\"name\":\"accounts-read-pods\"},\"roleRef\":{\"apiGroup\":"
                + "\"rbac.authorization.k8s.io\",\"kind\":\"Role\",\"name\":\"pod-reader\"},\"subjects\":[{\"kind\":"
                + "\"Group\",\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"system:serviceaccounts:" + NS + "\"}]}");
        assertEquals(201, binding.code(), binding.body());
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("n1").endMetadata().build()).create();
        admin.pods().inNamespace(NS).resource(pod("on-n1", "robot", "n1")).create();
        admin.pods().inNamespace(NS).resource(pod("on-n2", "other", "n2")).create();
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        CertificateAuthority.Issued cert = ca.issueClient("system:node:n1", List.of("system:nodes"), Duration.ofDays(1));
        Path kubeconfig = cluster.dataDir().resolve("n1.kubeconfig");
        Kubeconfigs.write(kubeconfig, cluster.url(), ca.certificatePem(), cert.certificatePem(), cert.keyPem(), "n1");
        n1 = KubeClients.fromKubeconfig(kubeconfig);
    }

    @AfterAll
    void stop() {
        n1.close();
        cluster.close();
    }

    static Pod pod(String name, String account, String node) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withNodeName(node)
                .withServiceAccountName(account).addNewContainer().withName("c").withImage("nginx").endContainer()
                .endSpec().build();
    }

    private ApiHttp.Response request(String account, String body) {
        return http.post("/api/v1/namespaces/" + NS + "/serviceaccounts/" + account + "/token", body);
    }

    private String token(String account, String body) {
        ApiHttp.Response r = request(account, body);
        assertEquals(201, r.code(), r.body());
        return r.json().path("status").path("token").asText();
    }

    private static JsonNode claims(String token) {
        return Jwt.parse(token).claims();
    }

    private int listPodsWith(String token) {
        return new ApiHttp(cluster, token).get("/api/v1/namespaces/" + NS + "/pods").code();
    }

    /** Lists the namespace's pods with the token and expects the list (the account may view the namespace). */
    private void assertAuthenticates(String token) {
        ApiHttp.Response r = new ApiHttp(cluster, token).get("/api/v1/namespaces/" + NS + "/pods");
        assertEquals(200, r.code(), r.body());
    }

    @Test
    void aTokenRequestAnswersASignedTokenWithKubernetesClaimsThatAuthenticatesAsTheAccount() {
        long before = Instant.now().getEpochSecond();
        ApiHttp.Response r = request("robot", "{\"apiVersion\":\"authentication.k8s.io/v1\",\"kind\":\"TokenRequest\","
                + "\"spec\":{}}");
        assertEquals(201, r.code(), r.body());
        JsonNode tr = r.json();
        assertEquals("TokenRequest", tr.path("kind").asText());
        assertEquals("authentication.k8s.io/v1", tr.path("apiVersion").asText());
        assertEquals("robot", tr.path("metadata").path("name").asText());
        assertEquals(NS, tr.path("metadata").path("namespace").asText());
        assertEquals(3600, tr.path("spec").path("expirationSeconds").asLong());
        assertEquals("[\"https://kubernetes.default.svc.cluster.local\"]", tr.path("spec").path("audiences").toString());
        String token = tr.path("status").path("token").asText();
        JsonNode c = claims(token);
        String uid = admin.serviceAccounts().inNamespace(NS).withName("robot").get().getMetadata().getUid();
        assertEquals("https://kubernetes.default.svc.cluster.local", c.path("iss").asText());
        assertEquals("system:serviceaccount:" + NS + ":robot", c.path("sub").asText());
        assertEquals("[\"https://kubernetes.default.svc.cluster.local\"]", c.path("aud").toString());
        assertEquals(3600, c.path("exp").asLong() - c.path("iat").asLong());
        assertEquals(c.path("iat").asLong(), c.path("nbf").asLong());
        assertTrue(c.path("iat").asLong() >= before - 1, c.toString());
        assertEquals("{\"namespace\":\"" + NS + "\",\"serviceaccount\":{\"name\":\"robot\",\"uid\":\"" + uid + "\"}}",
                c.path("kubernetes.io").toString());
        assertEquals(Instant.ofEpochSecond(c.path("exp").asLong()).toString(),
                tr.path("status").path("expirationTimestamp").asText());
        assertAuthenticates(token);
    }

    @Test
    void aTokenBoundToAPodNamesThePodAndItsNodeAndDiesWithThePod() {
        admin.pods().inNamespace(NS).resource(pod("short", "robot", "n1")).create();
        Pod pod = admin.pods().inNamespace(NS).withName("short").get();
        String node = admin.nodes().withName("n1").get().getMetadata().getUid();
        String token = token("robot", "{\"spec\":{\"boundObjectRef\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                + "\"name\":\"short\",\"uid\":\"" + pod.getMetadata().getUid() + "\"},\"expirationSeconds\":3607}}");
        JsonNode k8s = claims(token).path("kubernetes.io");
        assertEquals("{\"name\":\"short\",\"uid\":\"" + pod.getMetadata().getUid() + "\"}", k8s.path("pod").toString());
        assertEquals("{\"name\":\"n1\",\"uid\":\"" + node + "\"}", k8s.path("node").toString());
        // the projected volume's 3607 s: the token lives a year and warns after 3607 s, as Kubernetes extends it
        JsonNode c = claims(token);
        assertEquals(365L * 24 * 3600, c.path("exp").asLong() - c.path("iat").asLong());
        assertEquals(3607, k8s.path("warnafter").asLong() - c.path("iat").asLong());
        assertAuthenticates(token);

        admin.pods().inNamespace(NS).withName("short").withGracePeriod(0).delete();
        waitUntilGone("short");
        assertEquals(401, listPodsWith(token));
    }

    private void waitUntilGone(String pod) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (admin.pods().inNamespace(NS).withName(pod).get() != null) {
            assertTrue(System.nanoTime() < deadline, "pod " + pod + " still there");
            Thread.onSpinWait();
        }
    }

    @Test
    void aDeletedAccountsTokenIsRefused() {
        String token = token("doomed", "{}");
        assertAuthenticates(token);
        admin.serviceAccounts().inNamespace(NS).withName("doomed").delete();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (admin.serviceAccounts().inNamespace(NS).withName("doomed").get() != null) {
            assertTrue(System.nanoTime() < deadline);
        }
        assertEquals(401, listPodsWith(token));
    }

    @Test
    void wrongAudienceForgedAndExpiredTokensAre401() throws Exception {
        String other = token("robot", "{\"spec\":{\"audiences\":[\"vault\"]}}");
        assertEquals("[\"vault\"]", claims(other).path("aud").toString());
        assertEquals(401, listPodsWith(other));

        String good = token("robot", "{}");
        String[] parts = good.split("\\.");
        ObjectNode changed = (ObjectNode) claims(good).deepCopy();
        changed.put("sub", "system:serviceaccount:kube-system:default");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(changed))
                + "." + parts[2];
        assertEquals(401, listPodsWith(forged));
        // the same claims signed by a key that is not the cluster's
        ServiceAccountKey stranger = ServiceAccountKey.of(CertificateAuthority.newKeyPair());
        assertEquals(401, listPodsWith(Jwt.sign((ObjectNode) claims(good), stranger)));
        assertEquals(401, listPodsWith(good.substring(0, good.length() - 4) + "AAAA"));

        // signed with the cluster's own key: valid claims pass, the same claims expired (beyond the minute of leeway) do not
        ServiceAccountKey key = ServiceAccountKey.loadOrCreate(cluster.apiServer().pkiDir().resolve("sa.key"));
        ObjectNode fresh = (ObjectNode) claims(good).deepCopy();
        assertAuthenticates(Jwt.sign(fresh, key));
        long now = Instant.now().getEpochSecond();
        ObjectNode expired = fresh.deepCopy();
        expired.put("iat", now - 7200).put("nbf", now - 7200).put("exp", now - 120);
        assertEquals(401, listPodsWith(Jwt.sign(expired, key)));
        ObjectNode notYet = fresh.deepCopy();
        notYet.put("nbf", now + 600);
        assertEquals(401, listPodsWith(Jwt.sign(notYet, key)));
        ObjectNode foreignIssuer = fresh.deepCopy();
        foreignIssuer.put("iss", "https://elsewhere.example");
        assertEquals(401, listPodsWith(Jwt.sign(foreignIssuer, key)));
    }

    @Test
    void badTokenRequestsGetKubernetesErrors() {
        ApiHttp.Response shortLived = request("robot", "{\"spec\":{\"expirationSeconds\":60}}");
        assertEquals(422, shortLived.code(), shortLived.body());
        assertEquals("TokenRequest.authentication.k8s.io \"robot\" is invalid: spec.expirationSeconds: Invalid value: "
                + "60: may not specify a duration less than 10 minutes", shortLived.message());
        ApiHttp.Response name = request("robot", "{\"metadata\":{\"name\":\"x\"}}");
        assertEquals(422, name.code(), name.body());
        assertEquals("TokenRequest.authentication.k8s.io \"robot\" is invalid: metadata.name: Invalid value: \"x\": "
                + "must match the service account name if specified", name.message());
        ApiHttp.Response missing = request("ghost", "{}");
        assertEquals(404, missing.code(), missing.body());
        assertEquals("serviceaccounts \"ghost\" not found", missing.message());
        ApiHttp.Response otherAccount = request("robot", "{\"spec\":{\"boundObjectRef\":{\"apiVersion\":\"v1\","
                + "\"kind\":\"Pod\",\"name\":\"on-n2\"}}}");
        assertEquals(400, otherAccount.code(), otherAccount.body());
        assertEquals("cannot bind token for serviceaccount \"robot\" to pod running with different serviceaccount "
                + "name.", otherAccount.message());
        ApiHttp.Response staleUid = request("robot", "{\"spec\":{\"boundObjectRef\":{\"apiVersion\":\"v1\","
                + "\"kind\":\"Pod\",\"name\":\"on-n1\",\"uid\":\"0000\"}}}");
        assertEquals(409, staleUid.code(), staleUid.body());
        assertEquals("Operation cannot be fulfilled on Pod \"on-n1\": the UID in the bound object reference (0000) "
                + "does not match the UID in record. The object might have been deleted and then recreated",
                staleUid.message());
        ApiHttp.Response kind = request("robot", "{\"spec\":{\"boundObjectRef\":{\"apiVersion\":\"apps/v1\","
                + "\"kind\":\"Deployment\",\"name\":\"d\"}}}");
        assertEquals(400, kind.code(), kind.body());
        assertEquals("cannot bind token to object of type apps/v1, Kind=Deployment", kind.message());
        assertEquals(405, http.get("/api/v1/namespaces/" + NS + "/serviceaccounts/robot/token").code());
    }

    @Test
    void theDiscoveryDocumentsKeyVerifiesTheTokens() throws Exception {
        ApiHttp.Response config = http.get("/.well-known/openid-configuration");
        assertEquals(200, config.code(), config.body());
        JsonNode c = config.json();
        assertEquals("https://kubernetes.default.svc.cluster.local", c.path("issuer").asText());
        assertTrue(c.path("jwks_uri").asText().matches("https://[0-9.]+:" + java.net.URI.create(cluster.url()).getPort()
                + "/openid/v1/jwks"), c.toString());
        assertEquals("[\"id_token\"]", c.path("response_types_supported").toString());
        assertEquals("[\"public\"]", c.path("subject_types_supported").toString());
        assertEquals("[\"ES256\"]", c.path("id_token_signing_alg_values_supported").toString());
        ApiHttp.Response jwks = http.get("/openid/v1/jwks");
        assertEquals(200, jwks.code(), jwks.body());
        JsonNode key = jwks.json().path("keys").get(0);
        assertEquals("EC", key.path("kty").asText());
        assertEquals("P-256", key.path("crv").asText());
        assertEquals("sig", key.path("use").asText());
        String token = token("robot", "{}");
        assertEquals(key.path("kid").asText(), Jwt.parse(token).header().path("kid").asText());
        // an outside verifier: the JWK's point and the JDK, nothing of Keelson's
        AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
        p.init(new ECGenParameterSpec("secp256r1"));
        ECPoint w = new ECPoint(new BigInteger(1, Base64.getUrlDecoder().decode(key.path("x").asText())),
                new BigInteger(1, Base64.getUrlDecoder().decode(key.path("y").asText())));
        PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w,
                p.getParameterSpec(ECParameterSpec.class)));
        Signature verify = Signature.getInstance("SHA256withECDSAinP1363Format");
        verify.initVerify(pub);
        verify.update(token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII));
        assertTrue(verify.verify(Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1))));
        assertEquals(401, new ApiHttp(cluster, "nope").get("/openid/v1/jwks").code());
    }

    @Test
    void aNodeGetsTokensOnlyForAccountsOfItsOwnPodsBoundToThosePods() {
        Pod mine = admin.pods().inNamespace(NS).withName("on-n1").get();
        TokenRequest bound = new TokenRequestBuilder().withNewSpec().withNewBoundObjectRef("v1", "Pod", "on-n1",
                mine.getMetadata().getUid()).withExpirationSeconds(3607L).endSpec().build();
        TokenRequest issued = n1.serviceAccounts().inNamespace(NS).withName("robot").tokenRequest(bound);
        assertNotNull(issued.getStatus().getToken());

        KubernetesClientException unbound = assertThrows(KubernetesClientException.class, () -> n1.serviceAccounts()
                .inNamespace(NS).withName("robot").tokenRequest(new TokenRequestBuilder().withNewSpec().endSpec()
                        .build()));
        assertEquals(403, unbound.getCode());
        assertEquals("serviceaccounts \"robot\" is forbidden: node requested token not bound to a pod",
                unbound.getStatus().getMessage());
        KubernetesClientException foreign = assertThrows(KubernetesClientException.class, () -> n1.serviceAccounts()
                .inNamespace(NS).withName("other").tokenRequest(bound));
        assertEquals(403, foreign.getCode());
        assertTrue(foreign.getStatus().getMessage().contains("no relationship found between node 'n1' and this object"),
                foreign.getStatus().getMessage());
    }
}
