package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.tls.CertificateAuthority;
import dev.keelson.componentbase.tls.Kubeconfigs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real kubectl 1.32 against the apiserver with Node,RBAC: an admin creates a role and a binding with kubectl create, a
 * user with a CA-signed certificate (what keelson kubeconfig user makes) works in that namespace only, and kubectl
 * auth can-i, can-i --list and whoami print what they print against Kubernetes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlAuthIntegrationTest {
    TestCluster cluster;
    Path jane;

    @BeforeAll
    void start() throws Exception {
        cluster = TestCluster.start();
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        CertificateAuthority.Issued cert = ca.issueClient("jane", List.of("dev"), Duration.ofHours(1));
        jane = Files.createTempFile("jane", ".kubeconfig");
        Kubeconfigs.write(jane, cluster.url(), ca.certificatePem(), cert.certificatePem(), cert.keyPem(), "jane");
    }

    @AfterAll
    void stop() {
        cluster.close();
    }

    record Out(int code, String text) {
    }

    Out kubectl(Path kubeconfig, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl finished");
        return new Out(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    }

    @Test
    void aUserWorksInItsNamespaceOnly() throws Exception {
        Path admin = cluster.kubeconfig();
        assertEquals("namespace/team created", kubectl(admin, "create", "namespace", "team").text());
        assertEquals("role.rbac.authorization.k8s.io/pod-reader created", kubectl(admin, "create", "role",
                "pod-reader", "--verb=get,list", "--resource=pods", "-n", "team").text());
        assertEquals("rolebinding.rbac.authorization.k8s.io/jane-reads created", kubectl(admin, "create",
                "rolebinding", "jane-reads", "--role=pod-reader", "--user=jane", "-n", "team").text());
        Out wide = kubectl(admin, "get", "rolebinding", "jane-reads", "-n", "team", "-o", "wide");
        assertTrue(wide.text().startsWith("NAME         ROLE              AGE"), wide.text());
        assertTrue(wide.text().contains("Role/pod-reader") && wide.text().contains("jane"), wide.text());

        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        Out yes = kubectl(jane, "auth", "can-i", "list", "pods", "-n", "team");
        while (!"yes".equals(yes.text()) && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            yes = kubectl(jane, "auth", "can-i", "list", "pods", "-n", "team");
        }
        assertEquals(new Out(0, "yes"), yes);
        assertEquals(new Out(1, "no"), kubectl(jane, "auth", "can-i", "list", "pods", "-n", "default"));
        assertEquals(new Out(1, "no"), kubectl(jane, "auth", "can-i", "create", "pods", "-n", "team"));
        assertEquals(0, kubectl(jane, "get", "pods", "-n", "team").code());
        Out forbidden = kubectl(jane, "get", "pods", "-n", "default");
        assertEquals("Error from server (Forbidden): pods is forbidden: User \"jane\" cannot list resource \"pods\" in "
                + "API group \"\" in the namespace \"default\"", forbidden.text());

        String list = kubectl(jane, "auth", "can-i", "--list", "-n", "team").text();
        assertTrue(list.startsWith("Resources"), list);
        assertTrue(list.lines().anyMatch(l -> l.matches("pods\\s+\\[\\]\\s+\\[\\]\\s+\\[get list\\]")), list);
        assertTrue(list.lines().anyMatch(l -> l.matches("selfsubjectaccessreviews.authorization.k8s.io\\s+\\[\\]\\s+"
                + "\\[\\]\\s+\\[create\\]")), list);

        String whoami = kubectl(jane, "auth", "whoami").text();
        assertTrue(whoami.lines().anyMatch(l -> l.matches("Username\\s+jane")), whoami);
        assertTrue(whoami.lines().anyMatch(l -> l.matches("Groups\\s+\\[dev system:authenticated\\]")), whoami);
        assertEquals(new Out(0, "yes"), kubectl(admin, "auth", "can-i", "list", "pods", "-n", "team", "--as", "jane"));
        assertEquals(new Out(1, "no"), kubectl(admin, "auth", "can-i", "list", "secrets", "-n", "team", "--as",
                "jane"));
    }
}
