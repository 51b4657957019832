package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.auth.BootstrapToken;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * certificates.k8s.io/v1 CertificateSigningRequests and bootstrap tokens on a real etcd: the requester recorded by the
 * server, validation, the approval and status subresources, what a bootstrap token may do (ask for a node client
 * certificate, nothing else) and that an expired, deleted or wrong token is refused with 401.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CertificateSigningRequestIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    TestCluster cluster;
    HttpClient anonymous;
    HttpClient admin;
    HttpClient node;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start();
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        anonymous = client(ca, null);
        admin = client(ca, ca.issueClient("kubernetes-admin", List.of("system:masters"), Duration.ofHours(1)));
        node = client(ca, ca.issueClient("system:node:n1", List.of("system:nodes"), Duration.ofHours(1)));
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    @Test
    void requesterIsRecordedByTheServerNeverTakenFromTheBody() throws Exception {
        ObjectNode csr = csr("who-asks", BootstrapAuthorizerSigner.CLIENT, "system:node:n1");
        ObjectNode spec = (ObjectNode) csr.get("spec");
        spec.put("username", "system:admin");
        spec.putArray("groups").add("system:masters");
        spec.putObject("extra").putArray("scopes").add("everything");
        csr.putObject("status").put("certificate", "bm90IG1pbmU=");
        HttpResponse<String> created = send(node, "POST", CSRS, csr);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode stored = JSON.readTree(created.body());
        assertEquals("system:node:n1", stored.at("/spec/username").asText());
        assertEquals(List.of("system:nodes", "system:authenticated"), strings(stored.at("/spec/groups")));
        assertFalse(stored.at("/spec").has("extra"), stored.toString());
        assertEquals("", stored.at("/status/certificate").asText(""), "no certificate on create");
    }

    @Test
    void invalidRequestsAre422WithKubernetesCauses() throws Exception {
        ObjectNode csr = csr("invalid", "example", "x");
        ((ObjectNode) csr.get("spec")).put("request", Base64.getEncoder().encodeToString("not pem".getBytes()));
        ((ObjectNode) csr.get("spec")).putArray("usages").add("client auth").add("client auth").add("flying");
        ((ObjectNode) csr.get("spec")).put("expirationSeconds", 60);
        HttpResponse<String> resp = send(admin, "POST", CSRS, csr);
        assertEquals(422, resp.statusCode(), resp.body());
        JsonNode status = JSON.readTree(resp.body());
        List<String> messages = new ArrayList<>();
        status.at("/details/causes").forEach(c -> messages.add(c.path("field").asText() + ": " + c.path("message").asText()));
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("spec.request: Invalid value: []byte{0x6e")
                && m.endsWith("PEM block type must be CERTIFICATE REQUEST")), messages.toString());
        assertTrue(messages.contains("spec.usages[1]: Duplicate value: \"client auth\""), messages.toString());
        assertTrue(messages.stream().anyMatch(m -> m.startsWith("spec.usages[2]: Unsupported value: \"flying\"")),
                messages.toString());
        assertTrue(messages.contains("spec.signerName: Invalid value: \"example\": must be a fully qualified domain and "
                + "path of the form 'example.com/signer-name'"), messages.toString());
        assertTrue(messages.contains("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than "
                + "600 seconds (10 minutes)"), messages.toString());
        assertEquals(404, send(admin, "GET", CSRS + "/invalid", null).statusCode(), "nothing stored");
    }

    @Test
    void approvalOnlyThroughApprovalAndTheCertificateOnlyThroughStatus() throws Exception {
        send(admin, "POST", CSRS, csr("flow", BootstrapAuthorizerSigner.CLIENT, "system:node:n1"));
        JsonNode current = JSON.readTree(send(admin, "GET", CSRS + "/flow", null).body());

        ObjectNode viaMain = current.deepCopy();
        ((ObjectNode) viaMain.get("spec")).put("signerName", "example.com/other");
        viaMain.putObject("status").putArray("conditions").addObject().put("type", "Approved").put("status", "True");
        HttpResponse<String> main = send(admin, "PUT", CSRS + "/flow", viaMain);
        assertEquals(200, main.statusCode(), main.body());
        assertEquals(BootstrapAuthorizerSigner.CLIENT, JSON.readTree(main.body()).at("/spec/signerName").asText());
        assertTrue(JSON.readTree(main.body()).at("/status/conditions").isMissingNode(), "spec and status kept");

        ObjectNode viaStatus = current.deepCopy();
        viaStatus.putObject("status").putArray("conditions").addObject().put("type", "Approved").put("status", "True");
        HttpResponse<String> status = send(admin, "PUT", CSRS + "/flow/status", viaStatus);
        assertEquals(422, status.statusCode(), status.body());
        assertTrue(status.body().contains("updates may not add a condition of type \\\"Approved\\\""), status.body());

        ObjectNode approve = current.deepCopy();
        approve.putObject("status").putArray("conditions").addObject().put("type", "Approved").put("status", "True")
                .put("reason", "KubectlApprove").put("message", "This CSR was approved by kubectl certificate approve.");
        HttpResponse<String> approved = send(admin, "PUT", CSRS + "/flow/approval", approve);
        assertEquals(200, approved.statusCode(), approved.body());
        JsonNode cond = JSON.readTree(approved.body()).at("/status/conditions/0");
        assertEquals("KubectlApprove", cond.path("reason").asText());
        assertFalse(cond.path("lastUpdateTime").asText("").isEmpty(), cond.toString());
        assertFalse(cond.path("lastTransitionTime").asText("").isEmpty(), cond.toString());

        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        String pem = ca.issueClient("system:node:n1", List.of("system:nodes"), Duration.ofHours(1)).certificatePem();
        ObjectNode issue = JSON.readTree(approved.body()).deepCopy();
        ((ObjectNode) issue.get("status")).put("certificate", b64(pem));
        HttpResponse<String> issued = send(admin, "PUT", CSRS + "/flow/status", issue);
        assertEquals(200, issued.statusCode(), issued.body());
        assertEquals(b64(pem), JSON.readTree(issued.body()).at("/status/certificate").asText());
        assertEquals("Approved", JSON.readTree(issued.body()).at("/status/conditions/0/type").asText());

        ObjectNode reissue = JSON.readTree(issued.body()).deepCopy();
        ((ObjectNode) reissue.get("status")).put("certificate", b64(ca.issueClient("system:node:n2",
                List.of("system:nodes"), Duration.ofHours(1)).certificatePem()));
        HttpResponse<String> replaced = send(admin, "PUT", CSRS + "/flow/status", reissue);
        assertEquals(422, replaced.statusCode(), replaced.body());
        assertTrue(replaced.body().contains("updates may not modify existing certificate content"), replaced.body());
    }

    @Test
    void kubectlGetPrintsKubernetesColumns() throws Exception {
        send(admin, "POST", CSRS, csr("printed", BootstrapAuthorizerSigner.CLIENT, "system:node:n1"));
        Process p = new ProcessBuilder("kubectl", "--kubeconfig", cluster.kubeconfig().toString(), "get", "csr",
                "printed").redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String[] lines = out.strip().split("\n");
        assertEquals(List.of("NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"),
                List.of(lines[0].trim().split("\\s+")), out);
        List<String> row = List.of(lines[1].trim().split("\\s+"));
        assertEquals("printed", row.get(0), out);
        assertEquals(List.of(BootstrapAuthorizerSigner.CLIENT, "kubernetes-admin", "<none>", "Pending"),
                row.subList(2, 6), out);
    }

    @Test
    void bootstrapTokenMayOnlyAskForANodeClientCertificate() throws Exception {
        String token = createToken(null);
        HttpResponse<String> created = bearer(token, "POST", CSRS, csr("", BootstrapAuthorizerSigner.CLIENT,
                "system:node:joiner"));
        assertEquals(201, created.statusCode(), created.body());
        JsonNode csr = JSON.readTree(created.body());
        String id = token.substring(0, 6);
        assertEquals("system:bootstrap:" + id, csr.at("/spec/username").asText());
        assertEquals(List.of("system:bootstrappers", "system:bootstrappers:test", "system:authenticated"),
                strings(csr.at("/spec/groups")));
        String name = csr.at("/metadata/name").asText();
        assertEquals(200, bearer(token, "GET", CSRS + "/" + name, null).statusCode());
        assertEquals(200, bearer(token, "GET", CSRS, null).statusCode());

        HttpResponse<String> serving = bearer(token, "POST", CSRS, csr("", "kubernetes.io/kubelet-serving",
                "system:node:joiner"));
        assertEquals(403, serving.statusCode(), serving.body());
        ObjectNode approve = csr.deepCopy();
        approve.putObject("status").putArray("conditions").addObject().put("type", "Approved").put("status", "True");
        assertEquals(403, bearer(token, "PUT", CSRS + "/" + name + "/approval", approve).statusCode());
        assertEquals(403, bearer(token, "DELETE", CSRS + "/" + name, null).statusCode());
        assertEquals(403, bearer(token, "GET", "/api/v1/namespaces/kube-system/secrets", null).statusCode());
        assertEquals(403, bearer(token, "GET", "/api/v1/pods", null).statusCode());
        assertEquals(403, bearer(token, "GET", "/api/v1/nodes", null).statusCode());
        assertEquals(403, bearer(token, "GET", "/metrics", null).statusCode());
        assertEquals(200, bearer(token, "GET", "/apis", null).statusCode(), "discovery stays open");
    }

    @Test
    void expiredDeletedWrongAndUnusableTokensAre401() throws Exception {
        String expired = createToken(Instant.now().minusSeconds(5).toString());
        createToken(null); // the watch cache applies events in order: once this one works, the expired one is there
        assertEquals(401, bearer(expired, "GET", CSRS, null).statusCode());

        String deleted = createToken(null);
        assertEquals(200, bearer(deleted, "GET", CSRS, null).statusCode());
        assertEquals(200, send(admin, "DELETE", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-"
                + deleted.substring(0, 6), null).statusCode());
        awaitStatus(deleted, 401);

        String live = createToken(Instant.now().plusSeconds(3600).toString());
        assertEquals(200, bearer(live, "GET", CSRS, null).statusCode());
        assertEquals(401, bearer(live.substring(0, 7) + "0000000000000000", "GET", CSRS, null).statusCode());

        BootstrapToken noAuth = BootstrapToken.generate();
        ObjectNode secret = noAuth.toSecret(null, "", List.of(), Instant.now());
        ((ObjectNode) secret.get("data")).remove("usage-bootstrap-authentication");
        assertEquals(201, send(admin, "POST", "/api/v1/namespaces/kube-system/secrets", secret).statusCode());
        createToken(null); // the watch cache applies events in order: once this one works, noAuth's Secret is there
        assertEquals(401, bearer(noAuth.toString(), "GET", CSRS, null).statusCode());
    }

    @Test
    void nodeMayAskButNotApprove() throws Exception {
        HttpResponse<String> created = send(node, "POST", CSRS, csr("node-serving", "kubernetes.io/kubelet-serving",
                "system:node:n1"));
        assertEquals(201, created.statusCode(), created.body());
        ObjectNode approve = JSON.readTree(created.body()).deepCopy();
        approve.putObject("status").putArray("conditions").addObject().put("type", "Approved").put("status", "True");
        assertEquals(403, send(node, "PUT", CSRS + "/node-serving/approval", approve).statusCode());
        assertEquals(403, send(node, "PUT", CSRS + "/node-serving/status", approve).statusCode());
        assertEquals(401, send(anonymous, "GET", CSRS, null).statusCode());
    }

    /** The signer names the tests use. */
    static final class BootstrapAuthorizerSigner {
        static final String CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
    }

    private String createToken(String expiration) throws Exception {
        BootstrapToken token = BootstrapToken.generate();
        ObjectNode secret = token.toSecret(null, "test", List.of("system:bootstrappers:test"), Instant.now());
        if (expiration != null) {
            ((ObjectNode) secret.get("data")).put("expiration", b64(expiration));
        }
        HttpResponse<String> resp = send(admin, "POST", "/api/v1/namespaces/kube-system/secrets", secret);
        assertEquals(201, resp.statusCode(), resp.body());
        if (expiration == null || Instant.parse(expiration).isAfter(Instant.now())) {
            awaitStatus(token.toString(), 200);
        }
        return token.toString();
    }

    private void awaitStatus(String token, int code) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int last = 0;
        while (System.nanoTime() < deadline) {
            last = bearer(token, "GET", CSRS, null).statusCode();
            if (last == code) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("token still answered " + last + ", wanted " + code);
    }

    static ObjectNode csr(String name, String signer, String commonName) {
        ObjectNode csr = JSON.createObjectNode();
        csr.put("apiVersion", "certificates.k8s.io/v1");
        csr.put("kind", "CertificateSigningRequest");
        if (name.isEmpty()) {
            csr.putObject("metadata").put("generateName", "csr-");
        } else {
            csr.putObject("metadata").put("name", name);
        }
        ObjectNode spec = csr.putObject("spec");
        spec.put("request", b64(CertificateRequests.create(CertificateAuthority.newKeyPair(), commonName,
                List.of("system:nodes"), List.of(), List.of())));
        spec.put("signerName", signer);
        spec.putArray("usages").add("digital signature").add("client auth");
        return csr;
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private HttpResponse<String> bearer(String token, String method, String path, JsonNode body) throws Exception {
        return http(anonymous, method, path, body, token);
    }

    private HttpResponse<String> send(HttpClient client, String method, String path, JsonNode body) throws Exception {
        return http(client, method, path, body, null);
    }

    private HttpResponse<String> http(HttpClient client, String method, String path, JsonNode body, String token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cluster.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpClient client(CertificateAuthority ca, CertificateAuthority.Issued identity) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (identity != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", identity.keyPair().getPrivate(), new char[0],
                    new X509Certificate[] {identity.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls).build();
    }
}
