package dev.keelson.componentbase.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import dev.keelson.componentbase.client.KubeClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    @TempDir
    Path dir;

    @Test
    void newCaIssuesEcCertificatesThatVerifyAgainstIt() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        CertificateAuthority.Issued serving = ca.issueServing("kube-apiserver", List.of("localhost"),
                List.of("127.0.0.1"), Duration.ofDays(1));
        CertificateAuthority.Issued client = ca.issueClient("kubernetes-admin", List.of("system:masters"),
                Duration.ofDays(1));

        assertEquals("EC", ca.certificate().getPublicKey().getAlgorithm());
        assertEquals("EC", serving.keyPair().getPublic().getAlgorithm());
        serving.certificate().verify(ca.certificate().getPublicKey());
        client.certificate().verify(ca.certificate().getPublicKey());
        assertEquals("SHA256withECDSA", client.certificate().getSigAlgName());
    }

    @Test
    void caReloadedFromItsFilesSignsWhatTheFirstOneSigned() throws Exception {
        CertificateAuthority first = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        CertificateAuthority again = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"));

        X509Certificate issued = again.issueClient("u", List.of(), Duration.ofDays(1)).certificate();

        assertEquals(first.certificate(), again.certificate());
        issued.verify(first.certificate().getPublicKey());
    }

    @Test
    void rsaCaOfAnOlderDataDirKeepsIssuingVerifiableCertificates() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair rsa = gen.generateKeyPair();
        X500Name name = new X500Name("CN=keelson-ca");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(now),
                Date.from(now.plus(Duration.ofDays(1))), name, rsa.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(rsa.getPrivate())));
        Files.writeString(dir.resolve("ca.crt"), Pem.encode(caCert));
        Files.writeString(dir.resolve("ca.key"), Pem.encode(rsa.getPrivate()));

        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        X509Certificate issued = ca.issueServing("kubelet", List.of("node-1"), List.of(), Duration.ofDays(1))
                .certificate();

        issued.verify(rsa.getPublic());
        assertEquals("SHA256withRSA", issued.getSigAlgName());
        assertEquals("EC", issued.getPublicKey().getAlgorithm());
    }

    @Test
    void ecPrivateKeyRoundTripsThroughSec1PemThatFabric8ReadsAsEc() {
        KeyPair pair = CertificateAuthority.newKeyPair();

        String pem = Pem.encode(pair.getPrivate());

        assertTrue(pem.startsWith("-----BEGIN EC PRIVATE KEY-----"), pem);
        assertEquals(((ECPrivateKey) pair.getPrivate()).getS(), ((ECPrivateKey) Pem.privateKey(pem)).getS());
        assertEquals(pair.getPublic(), Pem.keyPair(pem).getPublic());
    }

    @Test
    void fabric8ClientLoadsAKubeconfigWithAnEcClientKey() {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        CertificateAuthority.Issued admin = ca.issueClient("kubernetes-admin", List.of("system:masters"),
                Duration.ofDays(1));
        Path kubeconfig = dir.resolve("admin.kubeconfig");
        Kubeconfigs.write(kubeconfig, "https://127.0.0.1:6443", ca.certificatePem(), admin.certificatePem(),
                admin.keyPem(), "kubernetes-admin");

        // building the client loads the key into its TLS context: a key read with the wrong algorithm fails here
        try (KubernetesClient client = KubeClients.fromKubeconfig(kubeconfig)) {
            assertEquals("EC", client.getConfiguration().getClientKeyAlgo());
        }
    }

    @Test
    void certificateRequestOfAnEcKeyCarriesThatKey() {
        KeyPair pair = CertificateAuthority.newKeyPair();

        String csr = CertificateRequests.create(pair, "system:node:n1");

        assertEquals(pair.getPublic(), CertificateRequests.verifiedPublicKey(csr));
    }
}
