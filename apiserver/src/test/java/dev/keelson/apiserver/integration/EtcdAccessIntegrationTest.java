package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attack of issue 20: a local user without privileges, or anyone holding a certificate the cluster CA signed
 * (a node's, the admin's), reads Secrets straight from etcd. The embedded etcd must refuse them all and let the
 * apiserver's own client certificate in. Real etcd, real etcdctl and curl, run as user nobody with setpriv.
 */
class EtcdAccessIntegrationTest {
    private static final String NOBODY = "65534";
    private static TestCluster cluster;
    private static Path etcdPki;
    private static Path dataDir;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start();
        // the test's temp dir is 0700 (root's); open it as /var/lib is, so only Keelson's own permissions protect
        Files.setPosixFilePermissions(cluster.dataDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(cluster.dataDir().resolve("etcd"), PosixFilePermissions.fromString("rwxr-xr-x"));
        cluster.client().secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata()
                .withName("crown-jewels").endMetadata().addToStringData("password", "hunter2").build()).create();
        dataDir = cluster.dataDir().resolve("etcd/data");
        etcdPki = cluster.dataDir().resolve("etcd/pki");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String endpoint() {
        return cluster.etcd().clientUrl();
    }

    @Test
    void theApiserversCertificateReadsTheSecret() throws Exception {
        Result r = run(List.of("etcdctl", "--endpoints", endpoint(), "--dial-timeout", "3s", "--command-timeout", "5s",
                "--cacert", etcdPki.resolve("etcd/ca.crt").toString(),
                "--cert", etcdPki.resolve("apiserver-etcd-client.crt").toString(),
                "--key", etcdPki.resolve("apiserver-etcd-client.key").toString(),
                "get", "/registry/secrets/default/crown-jewels", "--print-value-only"));
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("crown-jewels"), r.output());
    }

    @Test
    void anUnprivilegedUserWithoutACertificateIsRefused() throws Exception {
        Result r = run(asNobody("etcdctl", "--endpoints", endpoint(), "--dial-timeout", "3s", "--command-timeout",
                "5s", "--insecure-skip-tls-verify", "get", "/registry/secrets/default/crown-jewels"));
        assertNotEquals(0, r.code(), r.output());
        assertTrue(!r.output().contains("hunter2") && !r.output().contains("crown-jewels"), r.output());
        // the gRPC gateway of the same port, as curl would try it
        Result curl = run(asNobody("curl", "-sS", "-k", "--max-time", "5", "-X", "POST", endpoint() + "/v3/kv/range",
                "-d", "{\"key\":\"L3JlZ2lzdHJ5Lw==\",\"range_end\":\"L3JlZ2lzdHJ5MA==\"}"));
        assertNotEquals(0, curl.code(), curl.output());
        assertTrue(!curl.output().contains("\"kvs\""), curl.output());
    }

    @Test
    void anUnprivilegedUserCannotReadTheKeysOrTheDataDir() throws Exception {
        assertEquals("rwx------", perms(dataDir));
        assertEquals("rwx------", perms(etcdPki.resolve("etcd")));
        for (Path secret : List.of(etcdPki.resolve("apiserver-etcd-client.key"), etcdPki.resolve("etcd/ca.key"),
                etcdPki.resolve("etcd/server.key"), dataDir.resolve("member/snap/db"))) {
            Result r = run(asNobody("cat", secret.toString()));
            assertNotEquals(0, r.code(), secret + ": " + r.output());
            assertTrue(r.output().contains("Permission denied"), r.output());
        }
    }

    @Test
    void aCertificateOfTheClusterCaIsRefused() throws Exception {
        // a node's client certificate, as the join token hands out: signed by the cluster CA, not by etcd's
        Path apiserverPki = cluster.apiServer().pkiDir();
        CertificateAuthority clusterCa = CertificateAuthority.loadOrCreate(apiserverPki.resolve("ca.crt"),
                apiserverPki.resolve("ca.key"));
        Path dir = Files.createTempDirectory("keelson-node-cert");
        clusterCa.issueClient("system:node:intruder", List.of("system:nodes"), Duration.ofHours(1))
                .write(dir.resolve("node.crt"), dir.resolve("node.key"));
        Result r = run(List.of("etcdctl", "--endpoints", endpoint(), "--dial-timeout", "3s", "--command-timeout", "5s",
                "--cacert", etcdPki.resolve("etcd/ca.crt").toString(),
                "--cert", dir.resolve("node.crt").toString(), "--key", dir.resolve("node.key").toString(),
                "get", "/registry/secrets/default/crown-jewels"));
        assertNotEquals(0, r.code(), r.output());
        assertTrue(!r.output().contains("hunter2"), r.output());
        // nor does the cluster CA's serving certificate of the apiserver itself open it
        Result apiserverCert = run(List.of("etcdctl", "--endpoints", endpoint(), "--dial-timeout", "3s",
                "--command-timeout", "5s", "--cacert", etcdPki.resolve("etcd/ca.crt").toString(),
                "--cert", apiserverPki.resolve("apiserver.crt").toString(),
                "--key", apiserverPki.resolve("apiserver.key").toString(),
                "get", "/registry/secrets/default/crown-jewels"));
        assertNotEquals(0, apiserverCert.code(), apiserverCert.output());
    }

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static List<String> asNobody(String... command) {
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--"));
        out.addAll(List.of(command));
        return out;
    }

    record Result(int code, String output) {}

    private static Result run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish in 30 s: " + command);
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }
}
