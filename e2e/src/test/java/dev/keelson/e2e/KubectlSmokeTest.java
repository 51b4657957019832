package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The unmodified kubectl on PATH against the apiserver over TLS with the generated admin kubeconfig. */
class KubectlSmokeTest {
    static TestCluster cluster;
    static Path cacheDir;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start();
        cacheDir = Files.createTempDirectory("keelson-kubectl-cache-");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    record Result(int code, String out, String err) {}

    static Result kubectl(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", cluster.kubeconfig().toString(),
                "--cache-dir", cacheDir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err);
    }

    static final String CONFIGMAP = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: smoke
            data:
              greeting: hello
            """;

    @Test
    void versionReportsKubernetes132() throws Exception {
        Result r = kubectl(null, "version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Server Version: v1.32"), r.out());
    }

    @Test
    void getNamespacesShowsTheBuiltInOnes() throws Exception {
        Result r = kubectl(null, "get", "ns");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("NAME"), r.out());
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            assertTrue(r.out().contains(ns), r.out());
        }
        assertTrue(r.out().contains("Active"), r.out());
    }

    @Test
    void applyGetYamlAndDeleteAConfigMap() throws Exception {
        Result created = kubectl(CONFIGMAP, "apply", "-f", "-");
        assertEquals(0, created.code(), created.err());
        assertEquals("configmap/smoke created", created.out().trim());
        Result again = kubectl(CONFIGMAP, "apply", "-f", "-");
        assertEquals("configmap/smoke unchanged", again.out().trim(), again.err());
        Result edited = kubectl(CONFIGMAP.replace("hello", "bonjour"), "apply", "-f", "-");
        assertEquals("configmap/smoke configured", edited.out().trim(), edited.err());
        Result yaml = kubectl(null, "get", "configmap", "smoke", "-o", "yaml");
        assertEquals(0, yaml.code(), yaml.err());
        assertTrue(yaml.out().contains("greeting: bonjour"), yaml.out());
        assertTrue(yaml.out().contains("kubectl.kubernetes.io/last-applied-configuration"), yaml.out());
        Result deleted = kubectl(null, "delete", "configmap", "smoke");
        assertEquals(0, deleted.code(), deleted.err());
        assertEquals("configmap \"smoke\" deleted", deleted.out().trim());
        Result missing = kubectl(null, "get", "configmap", "smoke");
        assertEquals(1, missing.code());
        assertEquals("Error from server (NotFound): configmaps \"smoke\" not found", missing.err().trim());
    }

    @Test
    void invalidManifestIsReportedAsKubernetesReportsIt() throws Exception {
        Result r = kubectl(CONFIGMAP.replace("name: smoke", "name: Not_Valid"), "apply", "-f", "-");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("The ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\""),
                r.err());
    }

    @Test
    void requestsWithoutCredentialsGet401() throws Exception {
        Process p = new ProcessBuilder("curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                cluster.url() + "/api/v1/namespaces").start();
        String code = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        assertEquals("401", code);
        Process health = new ProcessBuilder("curl", "-sk", cluster.url() + "/readyz").start();
        assertEquals("ok", new String(health.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
}
