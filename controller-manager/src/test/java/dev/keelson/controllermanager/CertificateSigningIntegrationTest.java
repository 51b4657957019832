package dev.keelson.controllermanager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.auth.BootstrapToken;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.certificates.CsrRequester;
import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.CertificateRequests;
import dev.keelson.componentbase.tls.Kubeconfigs;
import dev.keelson.componentbase.tls.Pem;
import dev.keelson.controllermanager.testing.Await;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Kubelet TLS bootstrap on a real etcd and apiserver, with the csrapproving, csrsigning and tokencleaner controllers:
 * a bootstrap token gets a node client certificate and nothing else; the node renews it with its own credential and
 * gets a serving certificate for its own names and addresses only; a live node's name cannot be taken over.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CertificateSigningIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    static final String CLIENT = "kubernetes.io/kube-apiserver-client-kubelet";
    static final String SERVING = "kubernetes.io/kubelet-serving";
    static final List<String> CLIENT_USAGES = List.of("digital signature", "client auth");
    static final List<String> SERVING_USAGES = List.of("digital signature", "server auth");

    TestCluster cluster;
    KubernetesClient admin;
    KubernetesClient managerClient;
    ControllerManager manager;
    X509Certificate ca;

    @BeforeAll
    void start() {
        cluster = TestCluster.start();
        admin = cluster.client();
        managerClient = cluster.newClient();
        Path pki = cluster.apiServer().pkiDir();
        manager = new ControllerManager(managerClient, ControllerManagerOptions.builder().leaderElect(false)
                .bindAddress("127.0.0.1").securePort(0)
                .controllers(List.of("csrapproving", "csrsigning", "tokencleaner"))
                .clusterSigning(pki.resolve("ca.crt"), pki.resolve("ca.key")).build());
        manager.start();
        ca = cluster.apiServer().certificateAuthority().certificate();
    }

    @AfterAll
    void stop() {
        manager.close();
        managerClient.close();
        cluster.close();
    }

    @Test
    void bootstrapTokenGetsANodeClientCertificateThatTheNodeRenewsItself() throws Exception {
        BootstrapToken token = createToken(null);
        KeyPair key = CertificateAuthority.newKeyPair();
        String pem;
        try (KubernetesClient bootstrap = bearerClient(token.toString())) {
            pem = CsrRequester.request(bootstrap, CLIENT, clientRequest(key, "joiner"), CLIENT_USAGES, null, WAIT);
        }
        X509Certificate cert = Pem.certificate(pem);
        cert.verify(ca.getPublicKey());
        assertEquals(key.getPublic(), cert.getPublicKey());
        String subject = cert.getSubjectX500Principal().getName();
        assertTrue(subject.contains("CN=system:node:joiner") && subject.contains("O=system:nodes"), subject);
        CertificateSigningRequest csr = newestCsr("system:bootstrap:" + token.id());
        var approved = csr.getStatus().getConditions().get(0);
        assertEquals(List.of("Approved", "AutoApproved", "Auto approving kubelet client certificate after SubjectAccessReview."),
                List.of(approved.getType(), approved.getReason(), approved.getMessage()));

        try (KubernetesClient node = nodeClient("joiner", pem, key)) {
            node.nodes().resource(new NodeBuilder().withNewMetadata().withName("joiner").endMetadata().build()).create();
            KeyPair next = CertificateAuthority.newKeyPair();
            String renewed = CsrRequester.request(node, CLIENT, clientRequest(next, "joiner"), CLIENT_USAGES,
                    Duration.ofMinutes(10), WAIT);
            X509Certificate rotated = Pem.certificate(renewed);
            assertEquals(next.getPublic(), rotated.getPublicKey());
            long seconds = Duration.between(Instant.now(), rotated.getNotAfter().toInstant()).toSeconds();
            assertTrue(seconds > 500 && seconds <= 600, "expirationSeconds 600 honoured: " + seconds);
            assertEquals("Auto approving self kubelet client certificate after SubjectAccessReview.",
                    newestCsr("system:node:joiner").getStatus().getConditions().get(0).getMessage());
        }
    }

    @Test
    void aLiveNodeNameIsNotTakenOverWithAToken() throws Exception {
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("busy").endMetadata().build()).create();
        admin.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName("busy")
                .endMetadata().withNewSpec().withHolderIdentity("busy").withLeaseDurationSeconds(40)
                .withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
        BootstrapToken token = createToken(null);
        try (KubernetesClient bootstrap = bearerClient(token.toString())) {
            CsrRequester.Refused refused = assertThrows(CsrRequester.Refused.class, () -> CsrRequester.request(
                    bootstrap, CLIENT, clientRequest(CertificateAuthority.newKeyPair(), "busy"), CLIENT_USAGES, null,
                    WAIT));
            assertEquals("AutoDenied", refused.reason());
            assertTrue(refused.getMessage().contains("node \"busy\" has a live Lease"), refused.getMessage());
        }
        CertificateSigningRequest csr = newestCsr("system:bootstrap:" + token.id());
        assertTrue(csr.getStatus().getCertificate() == null, "no certificate");
        Await.until("a CertificateDenied event", WAIT, () -> admin.v1().events().inAnyNamespace().list().getItems(),
                events -> events.stream().anyMatch(e -> "CertificateDenied".equals(e.getReason())
                        && csr.getMetadata().getName().equals(e.getInvolvedObject().getName())));
    }

    @Test
    void servingCertificateNamesOnlyTheNodesOwnNamesAndAddresses() throws Exception {
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName("other").endMetadata().build()).create();
        KeyPair key = CertificateAuthority.newKeyPair();
        X509Certificate clientCert = cluster.apiServer().certificateAuthority().clientFor(key.getPublic(),
                "system:node:web", List.of("system:nodes"), Duration.ofHours(1));
        try (KubernetesClient node = nodeClient("web", Pem.encode(clientCert), key)) {
            node.nodes().resource(new NodeBuilder().withNewMetadata().withName("web").endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("10.77.0.5").endAddress()
                    .addNewAddress().withType("Hostname").withAddress("web.example").endAddress()
                    .endStatus().build()).create();

            KeyPair serving = CertificateAuthority.newKeyPair();
            String pem = CsrRequester.request(node, SERVING, servingRequest(serving, "web",
                    List.of("web", "web.example"), List.of("10.77.0.5")), SERVING_USAGES, null, WAIT);
            X509Certificate cert = Pem.certificate(pem);
            cert.verify(ca.getPublicKey());
            List<String> sans = cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
            assertEquals(List.of("web", "web.example", "10.77.0.5"), sans);
            assertTrue(cert.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), "serverAuth");

            assertRefused(node, "web", List.of("web", "kubernetes.default.svc"), List.of(), "is the apiserver's");
            assertRefused(node, "web", List.of("web", "kubernetes"), List.of(), "is the apiserver's");
            assertRefused(node, "web", List.of("web"), List.of("10.96.0.1"), "is the apiserver's service IP");
            assertRefused(node, "web", List.of("web"), List.of("127.0.0.1"), "is loopback");
            assertRefused(node, "web", List.of("localhost"), List.of(), "is loopback");
            assertRefused(node, "web", List.of("web", "other"), List.of(), "is another node's");
            assertRefused(node, "web", List.of("web"), List.of("10.77.0.6"), "is not one of the node's addresses");
            assertRefused(node, "other", List.of("other"), List.of(), "may not ask for a serving certificate of another node");
            CsrRequester.Refused client = assertThrows(CsrRequester.Refused.class, () -> CsrRequester.request(node,
                    CLIENT, clientRequest(CertificateAuthority.newKeyPair(), "other"), CLIENT_USAGES, null, WAIT));
            assertTrue(client.getMessage().contains("may not ask for a client certificate of another node"),
                    client.getMessage());
        }
    }

    @Test
    void expiredTokenSecretsAreCleanedUp() throws Exception {
        BootstrapToken token = createToken(Instant.now().plusSeconds(4));
        Await.until("expired token secret deleted", WAIT, () -> admin.secrets().inNamespace("kube-system")
                .withName(token.secretName()).get(), s -> s == null);
        BootstrapToken forever = createToken(null);
        assertNotNull(admin.secrets().inNamespace("kube-system").withName(forever.secretName()).get());
    }

    private void assertRefused(KubernetesClient node, String cn, List<String> dns, List<String> ips, String why) {
        CsrRequester.Refused refused = assertThrows(CsrRequester.Refused.class, () -> CsrRequester.request(node,
                SERVING, servingRequest(CertificateAuthority.newKeyPair(), cn, dns, ips), SERVING_USAGES, null, WAIT));
        assertEquals("AutoDenied", refused.reason());
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }

    private CertificateSigningRequest newestCsr(String requester) {
        return admin.certificates().v1().certificateSigningRequests().list().getItems().stream()
                .filter(c -> requester.equals(c.getSpec().getUsername()))
                .max(java.util.Comparator.comparing(c -> c.getMetadata().getCreationTimestamp()
                        + c.getMetadata().getResourceVersion()))
                .orElseThrow();
    }

    private BootstrapToken createToken(Instant expires) throws Exception {
        BootstrapToken token = BootstrapToken.generate();
        var secret = token.toSecret(expires == null ? null : Duration.between(Instant.now(), expires), "test",
                List.of(BootstrapToken.DEFAULT_NODE_TOKEN_GROUP), Instant.now());
        admin.secrets().inNamespace("kube-system").resource(
                admin.getKubernetesSerialization().convertValue(secret, Secret.class)).create();
        if (expires != null) {
            return token;
        }
        try (KubernetesClient c = bearerClient(token.toString())) {
            Await.until("token usable", WAIT, () -> {
                try {
                    c.certificates().v1().certificateSigningRequests().list();
                    return true;
                } catch (RuntimeException e) {
                    return false;
                }
            }, ok -> ok);
        }
        return token;
    }

    private KubernetesClient bearerClient(String token) {
        Config admin = KubeClients.configFrom(cluster.kubeconfig());
        Config config = new ConfigBuilder().withMasterUrl(admin.getMasterUrl()).withCaCertData(admin.getCaCertData())
                .withOauthToken(token).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private KubernetesClient nodeClient(String node, String certPem, KeyPair key) throws Exception {
        Path kubeconfig = Files.createTempFile(cluster.dataDir(), node, ".kubeconfig");
        Kubeconfigs.write(kubeconfig, cluster.url(), cluster.apiServer().certificateAuthority().certificatePem(),
                certPem, Pem.encode(key.getPrivate()), "system:node:" + node);
        return KubeClients.fromKubeconfig(kubeconfig);
    }

    static String clientRequest(KeyPair key, String node) {
        return CertificateRequests.create(key, "system:node:" + node, List.of("system:nodes"), List.of(), List.of());
    }

    static String servingRequest(KeyPair key, String node, List<String> dns, List<String> ips) {
        return CertificateRequests.create(key, "system:node:" + node, List.of("system:nodes"), dns, ips);
    }
}
