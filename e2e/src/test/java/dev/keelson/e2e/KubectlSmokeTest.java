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

    static final String TWO_CONTAINERS = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: reorder
            spec:
              replicas: 1
              selector:
                matchLabels: {app: reorder}
              template:
                metadata:
                  labels: {app: reorder}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.22
                    env:
                    - {name: MODE, value: one}
                    - {name: COLOR, value: red}
                    ports:
                    - {containerPort: 80}
                    - {containerPort: 81}
                  - name: side
                    image: busybox:1.35
                    command: [sleep, "3600"]
            """;

    /** The manifest edited: containers swapped, web's port 81 and env COLOR removed. */
    static final String TWO_CONTAINERS_EDITED = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: reorder
            spec:
              replicas: 1
              selector:
                matchLabels: {app: reorder}
              template:
                metadata:
                  labels: {app: reorder}
                spec:
                  containers:
                  - name: side
                    image: busybox:1.35
                    command: [sleep, "3600"]
                  - name: web
                    image: nginx:1.22
                    env:
                    - {name: MODE, value: one}
                    ports:
                    - {containerPort: 80}
            """;

    @Test
    void secondApplyReordersContainersAndDropsRemovedPortAndEnvAsKubernetesDoes() throws Exception {
        assertEquals(0, kubectl(TWO_CONTAINERS, "apply", "-f", "-").code());
        Result r = kubectl(TWO_CONTAINERS_EDITED, "apply", "-f", "-");
        assertEquals(0, r.code(), r.err());
        assertEquals("deployment.apps/reorder configured", r.out().trim());
        // strategic merge with $setElementOrder: the new order, web keeps only port 80 and env MODE
        String got = kubectl(null, "get", "deployment", "reorder", "-o", "jsonpath="
                + "{.spec.template.spec.containers[*].name} {.spec.template.spec.containers[1].ports[*].containerPort}"
                + " {.spec.template.spec.containers[1].env[*].name}").out();
        assertEquals("side web 80 MODE", got);
        assertEquals(0, kubectl(null, "delete", "deployment", "reorder").code());
    }
}
