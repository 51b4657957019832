package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.auth.BootstrapToken;
import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Pem;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The join token: the anonymous CA download it pins, and the bootstrap token it carries (its Secret, its limits). */
class BootstrapIntegrationTest {
    private static TestCluster cluster;
    private static HttpClient http;
    private static X509Certificate ca;
    private static NodeBootstrap.Token token;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start();
        ca = Pem.certificate(Files.readString(cluster.apiServer().pkiDir().resolve("ca.crt")));
        token = NodeBootstrap.Token.parse(Files.readString(cluster.apiServer().nodeTokenFile()));
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        http = HttpClient.newBuilder().sslContext(tls).build();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void joinTokenFileIsPrivateAndPinsTheClusterCa() throws Exception {
        Path file = cluster.apiServer().nodeTokenFile();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(CertificateRequests.fingerprint(ca), token.caFingerprint());
        assertTrue(dev.keelson.apiserver.auth.BootstrapToken.parse(token.secret()) != null,
                "a bootstrap token: " + token.secret());
    }

    @Test
    void anonymousClientGetsTheCaButNoApiObjects() throws Exception {
        HttpResponse<String> caResp = send(HttpRequest.newBuilder(uri(NodeBootstrap.CA_PATH)).GET(), null);
        assertEquals(200, caResp.statusCode());
        assertEquals(CertificateRequests.fingerprint(ca), CertificateRequests.fingerprint(Pem.certificate(caResp.body())));

        HttpResponse<String> pods = send(HttpRequest.newBuilder(uri("/api/v1/pods")).GET(), null);
        assertEquals(401, pods.statusCode(), pods.body());
    }

    @Test
    void joinSecretIsNoApiCredential() throws Exception {
        HttpResponse<String> pods = send(HttpRequest.newBuilder(uri("/api/v1/pods")).GET(), token.secret());
        assertEquals(403, pods.statusCode(), pods.body());
    }

    @Test
    void defaultTokenIsABootstrapTokenSecretWithoutExpiry() throws Exception {
        BootstrapToken bootstrap = token.bootstrapToken();
        Secret secret = cluster.client().secrets().inNamespace("kube-system").withName(bootstrap.secretName()).get();
        assertEquals(BootstrapToken.SECRET_TYPE, secret.getType());
        assertEquals(bootstrap.secret(), decode(secret.getData().get("token-secret")));
        assertEquals("true", decode(secret.getData().get("usage-bootstrap-authentication")));
        assertEquals(BootstrapToken.DEFAULT_NODE_TOKEN_GROUP, decode(secret.getData().get("auth-extra-groups")));
        assertTrue(!secret.getData().containsKey("expiration"), "no expiry: " + secret.getData().keySet());
        HttpResponse<String> csrs = send(HttpRequest.newBuilder(uri("/apis/certificates.k8s.io/v1/certificatesigningrequests"))
                .GET(), token.secret());
        assertEquals(200, csrs.statusCode(), csrs.body());
    }

    @Test
    void theTokenSignsNothingDirectly() throws Exception {
        HttpResponse<String> old = send(HttpRequest.newBuilder(uri("/keelson/v1/node-certificates"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")), token.secret());
        assertEquals(403, old.statusCode(), old.body());
        assertTrue(old.body().contains("cannot post path \\\"/keelson/v1/node-certificates\\\""), old.body());
    }

    @Test
    void tokenOfAnEarlierVersionMapsToTheSameBootstrapToken() {
        NodeBootstrap.Token legacy = NodeBootstrap.Token.parse("K1" + token.caFingerprint() + "::"
                + "0123456789abcdef0123456789abcdef");
        assertEquals("012345.6789abcdef012345", legacy.bootstrapToken().toString());
    }

    private static String decode(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> send(HttpRequest.Builder builder, String bearer) throws Exception {
        if (bearer != null) {
            builder.header("Authorization", "Bearer " + bearer);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create(cluster.url() + path);
    }
}
