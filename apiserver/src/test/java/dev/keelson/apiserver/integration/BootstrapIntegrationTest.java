package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Kubeconfigs;
import dev.keelson.componentbase.tls.Pem;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Nodes joining with the join token: the anonymous CA download, token checks and the certificates issued. */
class BootstrapIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
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
        assertTrue(token.secret().length() >= 32, "secret too short: " + token.secret());
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
        assertEquals(401, pods.statusCode(), pods.body());
    }

    @Test
    void wrongSecretIsRefusedWith401() throws Exception {
        HttpResponse<String> resp = post(request("bootstrap-wrong", CertificateAuthority.newKeyPair(),
                CertificateAuthority.newKeyPair()), token.secret() + "x");
        assertEquals(401, resp.statusCode(), resp.body());
        HttpResponse<String> none = post(request("bootstrap-wrong", CertificateAuthority.newKeyPair(),
                CertificateAuthority.newKeyPair()), null);
        assertEquals(401, none.statusCode(), none.body());
    }

    @Test
    void nodeCertificatesChainToTheCaAndNameTheNodeWhateverTheRequestSays() throws Exception {
        KeyPair client = CertificateAuthority.newKeyPair();
        KeyPair serving = CertificateAuthority.newKeyPair();
        ObjectNode body = request("bootstrap-node-a", client, serving);
        // the subject a node puts in its request is ignored: it cannot ask to be someone else
        body.put("clientRequest", CertificateRequests.create(client, "system:admin"));
        HttpResponse<String> resp = post(body, token.secret());
        assertEquals(201, resp.statusCode(), resp.body());
        JsonNode issued = JSON.readTree(resp.body());

        X509Certificate clientCert = Pem.certificate(issued.path("clientCertificate").asText());
        clientCert.verify(ca.getPublicKey());
        assertEquals(client.getPublic(), clientCert.getPublicKey());
        String subject = clientCert.getSubjectX500Principal().getName();
        assertTrue(subject.contains("CN=system:node:bootstrap-node-a") && subject.contains("O=system:nodes"), subject);
        assertTrue(clientCert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "clientAuth usage");

        X509Certificate servingCert = Pem.certificate(issued.path("servingCertificate").asText());
        servingCert.verify(ca.getPublicKey());
        assertEquals(serving.getPublic(), servingCert.getPublicKey());
        List<String> sans = servingCert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
        assertTrue(sans.containsAll(List.of("bootstrap-node-a", "10.77.0.5")), sans.toString());

        // the node's client certificate is an API credential for system:node:bootstrap-node-a
        Path dir = Files.createTempDirectory("keelson-bootstrap-test-");
        Path kubeconfig = dir.resolve("kubelet.kubeconfig");
        Kubeconfigs.write(kubeconfig, cluster.url(), Pem.encode(ca), issued.path("clientCertificate").asText(),
                Pem.encode(client.getPrivate()), "system:node:bootstrap-node-a");
        try (KubernetesClient node = KubeClients.fromKubeconfig(kubeconfig)) {
            assertTrue(node.nodes().list().getItems() != null);
        } finally {
            Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void unparsableRequestAndBadNodeNameGet422WithTheFields() throws Exception {
        ObjectNode body = request("Not_A_Name", CertificateAuthority.newKeyPair(), CertificateAuthority.newKeyPair());
        body.put("servingRequest", "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----\n");
        HttpResponse<String> resp = post(body, token.secret());
        assertEquals(422, resp.statusCode(), resp.body());
        JsonNode status = JSON.readTree(resp.body());
        assertEquals("Invalid", status.path("reason").asText());
        List<String> fields = new java.util.ArrayList<>();
        status.path("details").path("causes").forEach(c -> fields.add(c.path("field").asText()));
        assertTrue(fields.containsAll(List.of("nodeName", "servingRequest")), fields.toString());
    }

    @Test
    void getOnTheCertificatesPathIsNotAllowed() throws Exception {
        HttpResponse<String> resp = send(HttpRequest.newBuilder(uri(NodeBootstrap.CERTIFICATES_PATH)).GET(), token.secret());
        assertEquals(405, resp.statusCode(), resp.body());
    }

    private static ObjectNode request(String node, KeyPair client, KeyPair serving) {
        ObjectNode body = JSON.createObjectNode();
        body.put("nodeName", node);
        body.put("clientRequest", CertificateRequests.create(client, "system:node:" + node));
        body.put("servingRequest", CertificateRequests.create(serving, "system:node:" + node));
        body.putArray("addresses").add("10.77.0.5").add(node);
        return body;
    }

    private static HttpResponse<String> post(ObjectNode body, String bearer) throws Exception {
        return send(HttpRequest.newBuilder(uri(NodeBootstrap.CERTIFICATES_PATH)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))), bearer);
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
