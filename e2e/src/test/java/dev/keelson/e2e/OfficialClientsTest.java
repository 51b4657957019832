package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.componentbase.client.KubeClients;
import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official clients against a real `keelson server`, so that what their own test suites found stays fixed: the
 * Python client (Debian's python3-kubernetes: {@code watch=True}, {@code stdout=True} on exec, paging, patches) and
 * fabric8 (informer, paging, every patch type, exec).
 */
class OfficialClientsTest {
    static final String NS = "clients";
    static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata: {name: shell, namespace: clients}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: sh
                image: busybox:1.35
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'exec sleep 3600']
            """;
    static KeelsonServerProcess server;

    @BeforeAll
    static void start() {
        server = KeelsonServerProcess.start("keelson-e2e-clients", "10.251.0.0/16");
        assertEquals(0, server.kubectl(null, "create", "namespace", NS).code());
        Kubectl.Result r = server.kubectl(POD, "apply", "-f", "-");
        assertEquals(0, r.code(), r.toString());
        Kubectl.Result ready = server.kubectl(null, "-n", NS, "wait", "--for=condition=Ready", "pod/shell",
                "--timeout=120s");
        assertEquals(0, ready.code(), ready + "\n" + server.logTail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        HostProxyRules.cleanUp();
    }

    @Test
    void pythonClientSuitePasses() throws Exception {
        Path script = Files.createTempFile("python_client_suite", ".py");
        try (InputStream in = OfficialClientsTest.class.getResourceAsStream("/clients/python_client_suite.py")) {
            Files.write(script, in.readAllBytes());
        }
        // Debian's interpreter, where python3-kubernetes is installed (scripts/setup.sh)
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), server.kubeconfig().toString(), NS, "shell")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean exited = p.waitFor(5, TimeUnit.MINUTES);
        Files.deleteIfExists(script);
        assertTrue(exited, out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("Ran 6 tests"), out);
    }

    @Test
    void fabric8InformerListPagingPatchesAndExec() throws Exception {
        try (KubernetesClient client = KubeClients.fromKubeconfig(server.kubeconfig())) {
            List<String> seen = new CopyOnWriteArrayList<>();
            SharedIndexInformer<ConfigMap> informer = client.configMaps().inNamespace(NS).withLabel("suite", "fabric8")
                    .inform(new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(ConfigMap obj) {
                            seen.add("add " + obj.getMetadata().getName());
                        }

                        @Override
                        public void onUpdate(ConfigMap oldObj, ConfigMap newObj) {
                            if (!oldObj.getMetadata().getResourceVersion().equals(newObj.getMetadata().getResourceVersion())) {
                                seen.add("update " + newObj.getMetadata().getName());
                            }
                        }

                        @Override
                        public void onDelete(ConfigMap obj, boolean unknownFinalState) {
                            seen.add("delete " + obj.getMetadata().getName());
                        }
                    });
            try {
                for (int i = 0; i < 5; i++) {
                    client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata()
                            .withName("f8-" + i).addToLabels("suite", "fabric8").endMetadata()
                            .addToData("k", "v").build()).create();
                }
                // paging: two per request, every object once
                Set<String> names = new HashSet<>();
                String token = null;
                int pages = 0;
                do {
                    ConfigMapList page = client.configMaps().inNamespace(NS).withLabel("suite", "fabric8")
                            .list(new ListOptionsBuilder().withLimit(2L).withContinue(token).build());
                    page.getItems().forEach(cm -> assertTrue(names.add(cm.getMetadata().getName())));
                    token = page.getMetadata().getContinue();
                    pages++;
                } while (token != null && !token.isEmpty());
                assertEquals(5, names.size());
                assertEquals(3, pages);

                var cm = client.configMaps().inNamespace(NS).withName("f8-0");
                cm.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"merge\":\"1\"}}");
                cm.patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/data/json\",\"value\":\"2\"}]");
                cm.patch(PatchContext.of(PatchType.STRATEGIC_MERGE), "{\"data\":{\"strategic\":\"3\"}}");
                cm.patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager("suite")
                        .withForce(true).build(),
                        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"f8-0\"},"
                                + "\"data\":{\"apply\":\"4\"}}");
                ConfigMap patched = cm.get();
                assertEquals("1", patched.getData().get("merge"));
                assertEquals("2", patched.getData().get("json"));
                assertEquals("3", patched.getData().get("strategic"));
                assertEquals("4", patched.getData().get("apply"));
                client.configMaps().inNamespace(NS).withName("f8-4").delete();

                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    expected.add("add f8-" + i);
                }
                expected.add("delete f8-4");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!(seen.containsAll(expected) && seen.stream().filter("update f8-0"::equals).count() == 4)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertTrue(seen.containsAll(expected), seen.toString());
                assertEquals(4, seen.stream().filter("update f8-0"::equals).count(), seen.toString());
            } finally {
                informer.close();
            }

            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            try (ExecWatch exec = client.pods().inNamespace(NS).withName("shell").writingOutput(stdout)
                    .writingError(stderr).exec("sh", "-c", "echo to-out; echo to-err >&2; exit 3")) {
                Integer code = exec.exitCode().get(60, TimeUnit.SECONDS);
                assertEquals(3, code);
            }
            assertEquals("to-out\n", stdout.toString(StandardCharsets.UTF_8));
            assertEquals("to-err\n", stderr.toString(StandardCharsets.UTF_8));
            assertFalse(seen.isEmpty());
        }
    }
}
