package dev.keelson.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.componentbase.tls.CertificateAuthority;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KubeconfigCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void writesAKubeconfigWithAClientCertificateOfTheClusterCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dataDir.resolve("pki/ca.crt"),
                dataDir.resolve("pki/ca.key"));
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new Keelson());
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("kubeconfig", "user", "jane", "--group", "dev", "--group", "qa", "--data-dir",
                dataDir.toString(), "--server", "https://10.0.0.1:6443");
        assertEquals(0, code, out.toString());
        String kubeconfig = out.toString();
        assertTrue(kubeconfig.contains("server: https://10.0.0.1:6443"), kubeconfig);
        String certData = kubeconfig.lines().filter(l -> l.trim().startsWith("client-certificate-data:"))
                .findFirst().orElseThrow().split(":", 2)[1].trim();
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Base64.getDecoder().decode(certData)));
        String subject = cert.getSubjectX500Principal().getName();
        assertTrue(subject.contains("CN=jane") && subject.contains("O=dev") && subject.contains("O=qa"), subject);
        cert.verify(ca.certificate().getPublicKey());

        Path file = dataDir.resolve("jane.kubeconfig");
        assertEquals(0, cli.execute("kubeconfig", "user", "jane", "--data-dir", dataDir.toString(), "-o",
                file.toString()));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file)));
        assertNotEquals(0, cli.execute("kubeconfig", "user", "root", "--group", "system:masters", "--data-dir",
                dataDir.toString()));
        assertTrue(Files.readString(file, StandardCharsets.UTF_8).contains("user: jane")
                || Files.readString(file, StandardCharsets.UTF_8).contains("name: jane"));
    }
}
