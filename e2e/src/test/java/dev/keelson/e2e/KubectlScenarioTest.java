package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a Kubernetes user does with kubectl, step by step, against one real `keelson server` (etcd, controllers,
 * kubelet on the host Docker): every step is checked on kubectl's output and exit code as that user reads them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlScenarioTest {
    static final String NS = "scenario";
    static KeelsonServerProcess server;
    static Path work;

    static final String APP_V1 = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: scenario
              annotations:
                team: blue
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  terminationGracePeriodSeconds: 0
                  containers:
                  - name: nginx
                    image: nginx:1.22
                    imagePullPolicy: IfNotPresent
                    env:
                    - {name: MODE, value: one}
                    - {name: COLOR, value: red}
                    ports:
                    - containerPort: 80
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: scenario
            spec:
              selector: {app: web}
              ports:
              - name: http
                port: 80
            """;

    /** The same manifest edited: an env var removed, a Service port added, an annotation changed. */
    static final String APP_V2 = APP_V1.replace("team: blue", "team: green")
            .replace("        - {name: COLOR, value: red}\n", "")
            .replace("    port: 80\n", "    port: 80\n  - name: alt\n    port: 8080\n    targetPort: 80\n");

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory("keelson-e2e-scenario-");
        server = KeelsonServerProcess.start("keelson-e2e-scenario", "10.251.0.0/16");
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        HostProxyRules.cleanUp();
    }

    static Kubectl.Result ok(String stdin, String... args) {
        Kubectl.Result r = server.kubectl(stdin, args);
        assertEquals(0, r.code(), "kubectl " + String.join(" ", args) + "\n" + r);
        return r;
    }

    static Kubectl.Result fails(String stdin, String... args) {
        Kubectl.Result r = server.kubectl(stdin, args);
        assertEquals(1, r.code(), "kubectl " + String.join(" ", args) + " should fail\n" + r);
        return r;
    }

    /** Repeats a kubectl command until its output satisfies {@code done}; fails with the last output seen. */
    static Kubectl.Result await(Predicate<Kubectl.Result> done, String... args) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        Kubectl.Result last = null;
        while (Instant.now().isBefore(deadline)) {
            last = server.kubectl(null, args);
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("kubectl " + String.join(" ", args) + " never satisfied the condition; last:\n" + last);
    }

    @Test
    @Order(1)
    void createNamespaceAndImperativeCreatesPrintWhatTheyMade() {
        assertEquals("namespace/scenario created", ok(null, "create", "namespace", NS).out());
        assertEquals("deployment.apps/hello created",
                ok(null, "create", "deployment", "hello", "-n", NS, "--image=nginx:1.22", "--replicas=1").out());
        assertEquals("configmap/settings created", ok(null, "create", "configmap", "settings", "-n", NS,
                "--from-literal=a=1", "--from-literal=b=two").out());
        assertEquals("secret/creds created", ok(null, "create", "secret", "generic", "creds", "-n", NS,
                "--from-literal=user=admin", "--from-literal=pass=s3cret").out());
        assertEquals("pod/solo created", ok(null, "run", "solo", "-n", NS, "--image=busybox:1.35",
                "--image-pull-policy=IfNotPresent", "--labels=tier=solo", "--", "sh", "-c", "echo solo up; sleep 3600").out());

        assertEquals("{\"a\":\"1\",\"b\":\"two\"}", ok(null, "get", "configmap", "settings", "-n", NS, "-o",
                "jsonpath={.data}").out());
        String pass = ok(null, "get", "secret", "creds", "-n", NS, "-o", "jsonpath={.data.pass}").out();
        assertEquals("s3cret", new String(Base64.getDecoder().decode(pass), StandardCharsets.UTF_8));
        assertEquals("hello nginx:1.22 1", ok(null, "get", "deployment", "hello", "-n", NS, "-o",
                "jsonpath={.metadata.name} {.spec.template.spec.containers[0].image} {.spec.replicas}").out());
    }

    @Test
    @Order(2)
    void creatingWhatExistsIsAlreadyExists() {
        assertEquals("Error from server (AlreadyExists): namespaces \"scenario\" already exists",
                fails(null, "create", "namespace", NS).err());
        assertEquals("error: failed to create configmap: configmaps \"settings\" already exists",
                fails(null, "create", "configmap", "settings", "-n", NS, "--from-literal=a=1").err());
    }

    @Test
    @Order(3)
    void clientSideApplyTwiceWithEditsGivesWhatKubernetesWouldHave() {
        assertEquals("deployment.apps/web created\nservice/web created", ok(APP_V1, "apply", "-f", "-").out());
        assertEquals("deployment.apps/web unchanged\nservice/web unchanged", ok(APP_V1, "apply", "-f", "-").out());
        assertEquals("deployment.apps/web configured\nservice/web configured", ok(APP_V2, "apply", "-f", "-").out());

        // the env var dropped from the manifest is gone, the one kept is unchanged, defaults are filled in
        assertEquals("MODE=one|green|2|RollingUpdate 25% 25%|TCP", ok(null, "get", "deployment", "web", "-n", NS, "-o",
                "jsonpath={range .spec.template.spec.containers[0].env[*]}{.name}={.value}{end}"
                        + "|{.metadata.annotations.team}|{.metadata.generation}"
                        + "|{.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.strategy.rollingUpdate.maxUnavailable}"
                        + "|{.spec.template.spec.containers[0].ports[0].protocol}").out());
        assertEquals("http:80->80/TCP alt:8080->80/TCP", ok(null, "get", "service", "web", "-n", NS, "-o",
                "jsonpath={range .spec.ports[*]}{.name}:{.port}->{.targetPort}/{.protocol} {end}").out());
        String lastApplied = ok(null, "apply", "view-last-applied", "deployment/web", "-n", NS, "-o", "json").out();
        assertTrue(lastApplied.contains("\"team\": \"green\""), lastApplied);
        assertFalse(lastApplied.contains("COLOR"), lastApplied);

        // the edit rolled out: the old ReplicaSet is scaled to 0, the new one runs both replicas
        ok(null, "rollout", "status", "deployment/web", "-n", NS, "--timeout=90s");
        assertEquals("2 2", ok(null, "get", "deployment", "web", "-n", NS, "-o",
                "jsonpath={.status.updatedReplicas} {.status.availableReplicas}").out());
    }

    @Test
    @Order(4)
    void serverSideApplyConflictsWithAnotherManagerUntilForced() {
        String cm = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ssa, namespace: scenario}
                data: {color: red, size: big}
                """;
        assertEquals("configmap/ssa serverside-applied", ok(cm, "apply", "--server-side", "-f", "-").out());
        String other = cm.replace("red", "blue");
        Kubectl.Result conflict = fails(other, "apply", "--server-side", "--field-manager=other", "-f", "-");
        assertTrue(conflict.err().startsWith("error: Apply failed with 1 conflict: conflict with \"kubectl\": .data.color"),
                conflict.toString());
        assertTrue(conflict.err().contains("--force-conflicts"), conflict.toString());
        assertEquals("red", ok(null, "get", "cm", "ssa", "-n", NS, "-o", "jsonpath={.data.color}").out());

        assertEquals("configmap/ssa serverside-applied",
                ok(other, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-").out());
        assertEquals("blue", ok(null, "get", "cm", "ssa", "-n", NS, "-o", "jsonpath={.data.color}").out());
        // the forced field changed owner; the field both set to the same value stays shared
        assertEquals("kubectl:{\"f:data\":{\"f:size\":{}}} other:{\"f:data\":{\"f:color\":{},\"f:size\":{}}}",
                ok(null, "get", "cm", "ssa", "-n", NS, "--show-managed-fields", "-o",
                        "jsonpath={range .metadata.managedFields[*]}{.manager}:{.fieldsV1} {end}").out());
    }

    @Test
    @Order(5)
    void getPrintsEveryOutputFormat() {
        ok(null, "rollout", "status", "deployment/hello", "-n", NS, "--timeout=90s");
        ok(null, "wait", "--for=condition=Ready", "pod/solo", "-n", NS, "--timeout=90s");

        String wide = ok(null, "get", "pod", "solo", "-n", NS, "-o", "wide").out();
        String header = wide.lines().findFirst().orElseThrow();
        assertTrue(header.matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\s+IP\\s+NODE\\s+NOMINATED NODE\\s+READINESS GATES"),
                header);
        String row = wide.lines().skip(1).findFirst().orElseThrow();
        assertTrue(row.matches("solo\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+10\\.251\\.\\d+\\.\\d+\\s+" + server.nodeName()
                + "\\s+<none>\\s+<none>"), row);

        List<String> deployments = ok(null, "get", "deployment", "web", "-n", NS, "-o", "wide").out().lines().toList();
        assertTrue(deployments.get(0).matches("NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR"),
                deployments.toString());
        assertTrue(deployments.get(1).matches("web\\s+2/2\\s+2\\s+2\\s+\\S+\\s+nginx\\s+nginx:1\\.22\\s+app=web"),
                deployments.toString());

        String yaml = ok(null, "get", "pod", "solo", "-n", NS, "-o", "yaml").out();
        assertTrue(yaml.startsWith("apiVersion: v1\nkind: Pod\n"), yaml);
        assertTrue(yaml.contains("  nodeName: " + server.nodeName()), yaml);
        String json = ok(null, "get", "pod", "solo", "-n", NS, "-o", "json").out();
        assertTrue(json.contains("\"phase\": \"Running\""), json);

        assertEquals("pod/solo", ok(null, "get", "pod", "-n", NS, "-l", "tier=solo", "-o", "name").out());
        List<String> names = ok(null, "get", "pods", "-n", NS, "-l", "app=web", "-o", "name").out().lines().toList();
        assertEquals(2, names.size(), names.toString());
        assertTrue(names.stream().allMatch(n -> n.startsWith("pod/web-")), names.toString());

        String columns = ok(null, "get", "deployments", "-n", NS, "-o",
                "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[0].image",
                "--sort-by=.metadata.name").out();
        assertEquals(List.of("NAME    REPLICAS   IMAGE", "hello   1          nginx:1.22", "web     2          nginx:1.22"),
                columns.lines().toList());

        String labels = ok(null, "get", "pod", "solo", "-n", NS, "--show-labels").out();
        assertTrue(labels.lines().findFirst().orElseThrow().endsWith("LABELS"), labels);
        assertTrue(labels.endsWith("tier=solo"), labels);

        String all = ok(null, "get", "pods", "-A", "--field-selector=status.phase=Running",
                "-o", "custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name", "--sort-by=.metadata.name").out();
        List<String> allRows = all.lines().skip(1).toList();
        assertEquals(4, allRows.size(), all);
        assertTrue(allRows.get(0).matches("scenario\\s+hello-\\S+"), all);
        assertTrue(allRows.get(1).matches("scenario\\s+solo"), all);
        assertEquals("No resources found", server.kubectl(null, "get", "pods", "-A",
                "--field-selector=status.phase=Failed").err());

        List<String> sorted = ok(null, "get", "configmaps", "-n", NS, "--sort-by=.metadata.name", "-o", "name")
                .out().lines().toList();
        assertEquals(List.of("configmap/settings", "configmap/ssa"), sorted.stream()
                .filter(n -> !n.equals("configmap/kube-root-ca.crt")).toList());
    }

    @Test
    @Order(6)
    void getWatchPrintsTheCurrentRowsAndKeepsRunning() throws Exception {
        Process watch = new ProcessBuilder("kubectl", "--kubeconfig", server.kubeconfig().toString(), "get", "pods",
                "-n", NS, "-l", "tier=solo", "-w").redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (lines.size() < 2 && (line = in.readLine()) != null) {
                lines.add(line);
            }
            assertTrue(watch.isAlive(), "kubectl get -w ended on its own: " + lines);
            ok(null, "label", "pod", "solo", "-n", NS, "watched=yes");
            line = in.readLine();
            assertTrue(line != null && line.matches("solo\\s+1/1\\s+Running\\s+0\\s+\\S+"),
                    "no row for the change after " + lines + ": " + line);
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(lines.get(0).matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE"), lines.toString());
        assertTrue(lines.get(1).matches("solo\\s+1/1\\s+Running\\s+0\\s+\\S+"), lines.toString());
    }

    @Test
    @Order(7)
    void describeShowsPodDeploymentAndNodeWithTheirEvents() {
        String pod = ok(null, "describe", "pod", "solo", "-n", NS).out();
        assertTrue(pod.contains("Node:             " + server.nodeName()), pod);
        assertTrue(pod.contains("Status:           Running"), pod);
        assertTrue(pod.lines().anyMatch(l -> l.matches("\\s+Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+"
                + "Successfully assigned scenario/solo to " + server.nodeName())), pod);
        assertTrue(pod.lines().anyMatch(l -> l.matches("\\s+Normal\\s+Started\\s+\\S+\\s+kubelet\\s+Started container solo")),
                pod);
        assertTrue(pod.lines().anyMatch(l -> l.matches("\\s+Normal\\s+Pulled\\s+\\S+\\s+kubelet\\s+"
                + "Container image \"busybox:1\\.35\" already present on machine")), pod);
        assertFalse(pod.contains("Warning"), pod);

        String deployment = ok(null, "describe", "deployment", "web", "-n", NS).out();
        assertTrue(deployment.contains("Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable"),
                deployment);
        assertTrue(deployment.contains("StrategyType:           RollingUpdate"), deployment);
        assertTrue(deployment.lines().anyMatch(l -> l.matches("\\s+Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller"
                + "\\s+Scaled up replica set web-\\S+ to 2")), deployment);

        String node = ok(null, "describe", "node", server.nodeName()).out();
        assertTrue(node.lines().anyMatch(l -> l.matches("\\s+Ready\\s+True\\s+.*KubeletReady\\s+kubelet is posting ready status")),
                node);
        assertTrue(node.contains("Non-terminated Pods:"), node);
        assertTrue(node.lines().anyMatch(l -> l.matches("\\s+scenario\\s+solo\\s+.*")), node);
        assertTrue(node.contains("\nEvents:\n"), node);
        assertTrue(node.lines().anyMatch(l -> l.matches("\\s+Normal\\s+CIDRAssignmentSucceeded\\s+.*")), node);
    }

    @Test
    @Order(8)
    void labelAnnotatePatchAndScaleChangeWhatGetShows() {
        assertEquals("pod/solo labeled", ok(null, "label", "pod", "solo", "-n", NS, "stage=test").out());
        assertEquals("error: 'stage' already has a value (test), and --overwrite is false",
                fails(null, "label", "pod", "solo", "-n", NS, "stage=prod").err());
        assertEquals("pod/solo labeled", ok(null, "label", "pod", "solo", "-n", NS, "stage=prod", "--overwrite").out());
        assertEquals("prod", ok(null, "get", "pod", "solo", "-n", NS, "-o", "jsonpath={.metadata.labels.stage}").out());
        assertEquals("pod/solo unlabeled", ok(null, "label", "pod", "solo", "-n", NS, "stage-").out());
        assertEquals("pod/solo", ok(null, "get", "pod", "-n", NS, "-l", "!stage,tier=solo", "-o", "name").out());

        assertEquals("deployment.apps/web annotated", ok(null, "annotate", "deployment", "web", "-n", NS, "note=hi").out());
        assertEquals("hi", ok(null, "get", "deployment", "web", "-n", NS, "-o", "jsonpath={.metadata.annotations.note}").out());
        assertEquals("deployment.apps/web annotated", ok(null, "annotate", "deployment", "web", "-n", NS, "note-").out());

        // strategic merge: the env entry is merged into the container named nginx, not replacing the list
        assertEquals("deployment.apps/hello patched", ok(null, "patch", "deployment", "hello", "-n", NS, "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"env\":[{\"name\":\"X\",\"value\":\"1\"}]}]}}}}").out());
        assertEquals("nginx nginx:1.22 X=1", ok(null, "get", "deployment", "hello", "-n", NS, "-o",
                "jsonpath={.spec.template.spec.containers[*].name} {.spec.template.spec.containers[0].image} "
                        + "{.spec.template.spec.containers[0].env[0].name}={.spec.template.spec.containers[0].env[0].value}").out());
        assertEquals("configmap/settings patched", ok(null, "patch", "configmap", "settings", "-n", NS, "--type", "merge",
                "-p", "{\"data\":{\"a\":null,\"c\":\"3\"}}").out());
        assertEquals("configmap/settings patched", ok(null, "patch", "configmap", "settings", "-n", NS, "--type", "json",
                "-p", "[{\"op\":\"replace\",\"path\":\"/data/b\",\"value\":\"TWO\"}]").out());
        assertEquals("{\"b\":\"TWO\",\"c\":\"3\"}", ok(null, "get", "cm", "settings", "-n", NS, "-o", "jsonpath={.data}").out());
        assertEquals("configmap/settings patched (no change)", ok(null, "patch", "configmap", "settings", "-n", NS,
                "-p", "{\"data\":{\"c\":\"3\"}}").out());

        assertEquals("deployment.apps/hello scaled", ok(null, "scale", "deployment", "hello", "-n", NS, "--replicas=3").out());
        await(r -> r.out().equals("3 3"), "get", "deployment", "hello", "-n", NS, "-o",
                "jsonpath={.spec.replicas} {.status.readyReplicas}");
    }

    @Test
    @Order(9)
    void editWithAnEditorScriptAndReplaceFromAFile() throws IOException {
        Path editor = work.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/c: \"3\"/c: \"edited\"/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = List.of("kubectl", "--kubeconfig", server.kubeconfig().toString(), "edit", "configmap",
                "settings", "-n", NS);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("EDITOR", editor.toString());
        String out = run(pb);
        assertEquals("configmap/settings edited", out.trim());
        assertEquals("edited", ok(null, "get", "cm", "settings", "-n", NS, "-o", "jsonpath={.data.c}").out());

        String current = ok(null, "get", "cm", "settings", "-n", NS, "-o", "yaml").out();
        Path file = work.resolve("settings.yaml");
        Files.writeString(file, current.replace("c: edited", "c: replaced"));
        assertEquals("configmap/settings replaced", ok(null, "replace", "-f", file.toString()).out());
        assertEquals("replaced", ok(null, "get", "cm", "settings", "-n", NS, "-o", "jsonpath={.data.c}").out());
    }

    @Test
    @Order(10)
    void replaceOfAStaleCopyIsAConflict() throws IOException {
        Path stale = work.resolve("stale.yaml");
        Files.writeString(stale, ok(null, "get", "cm", "settings", "-n", NS, "-o", "yaml").out().replace("c: replaced", "c: mine"));
        ok(null, "patch", "configmap", "settings", "-n", NS, "-p", "{\"data\":{\"c\":\"newer\"}}");
        assertEquals("Error from server (Conflict): error when replacing \"" + stale + "\": Operation cannot be fulfilled "
                + "on configmaps \"settings\": the object has been modified; please apply your changes to the latest "
                + "version and try again", fails(null, "replace", "-f", stale.toString()).err());
        assertEquals("newer", ok(null, "get", "cm", "settings", "-n", NS, "-o", "jsonpath={.data.c}").out());
    }

    @Test
    @Order(11)
    void errorsReadAsKubernetesPrintsThem() {
        assertEquals("Error from server (NotFound): pods \"nosuch\" not found", fails(null, "get", "pod", "nosuch", "-n", NS).err());
        assertEquals("Error from server (NotFound): configmaps \"nosuch\" not found",
                fails(null, "delete", "configmap", "nosuch", "-n", NS).err());
        assertEquals("Error from server (NotFound): namespaces \"nowhere\" not found",
                fails(null, "get", "namespace", "nowhere").err());

        String bad = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: bad, namespace: scenario}
                spec:
                  replicas: -1
                  selector: {matchLabels: {app: bad}}
                  template:
                    metadata: {labels: {app: other}}
                    spec:
                      containers:
                      - {name: c, image: ""}
                """;
        assertEquals("""
                The Deployment "bad" is invalid:\s
                * spec.replicas: Invalid value: -1: must be greater than or equal to 0
                * spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`
                * spec.template.spec.containers[0].image: Required value""", fails(bad, "apply", "-f", "-").err());
        fails(null, "get", "deployment", "bad", "-n", NS);

        String unknown = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: unknown-field, namespace: scenario}
                data: {a: b}
                colour: red
                """;
        assertEquals("Error from server (BadRequest): error when creating \"STDIN\": ConfigMap in version \"v1\" cannot be "
                + "handled as a ConfigMap: strict decoding error: unknown field \"colour\"",
                fails(unknown, "create", "--validate=strict", "-f", "-").err());
        fails(null, "get", "configmap", "unknown-field", "-n", NS);
    }

    @Test
    @Order(12)
    void explainAndApiResourcesDescribeTheServedApi() {
        String explain = ok(null, "explain", "deployment.spec.strategy").out();
        assertTrue(explain.startsWith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n"), explain);
        assertTrue(explain.contains("FIELD: strategy <DeploymentStrategy>"), explain);
        assertTrue(explain.lines().anyMatch(l -> l.matches("\\s+rollingUpdate\\s+<RollingUpdateDeployment>")), explain);
        assertTrue(explain.lines().anyMatch(l -> l.matches("\\s+type\\s+<string>")), explain);

        List<String> resources = ok(null, "api-resources").out().lines().toList();
        assertTrue(resources.get(0).matches("NAME\\s+SHORTNAMES\\s+APIVERSION\\s+NAMESPACED\\s+KIND"), resources.get(0));
        for (String row : List.of("pods\\s+po\\s+v1\\s+true\\s+Pod", "deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment",
                "nodes\\s+no\\s+v1\\s+false\\s+Node", "services\\s+svc\\s+v1\\s+true\\s+Service")) {
            assertTrue(resources.stream().anyMatch(l -> l.matches(row)), row + " not in\n" + String.join("\n", resources));
        }
    }

    @Test
    @Order(13)
    void deleteWithEachCascadePolicy() {
        // orphan: the Deployment goes, its ReplicaSets and pods stay and lose their owner
        assertEquals("deployment.apps \"hello\" deleted",
                ok(null, "delete", "deployment", "hello", "-n", NS, "--cascade=orphan").out());
        await(r -> r.code() == 0 && r.out().lines().count() == 3, "get", "pods", "-n", NS, "-l", "app=hello", "-o", "name");
        await(r -> r.code() == 0 && !r.out().isEmpty() && r.out().lines().allMatch(l -> l.matches("hello-\\S+ owners:")),
                "get", "replicasets", "-n", NS, "-l", "app=hello", "-o",
                "jsonpath={range .items[*]}{.metadata.name} owners:{.metadata.ownerReferences[*].kind}{\"\\n\"}{end}");

        // foreground: kubectl waits until the owner is gone, which is after its pods are
        ok(null, "delete", "replicasets", "-n", NS, "-l", "app=hello", "--cascade=foreground");
        assertEquals("", ok(null, "get", "replicasets,pods", "-n", NS, "-l", "app=hello", "-o", "name").out());

        // background: the Deployment goes at once, the garbage collector removes the rest
        assertEquals("deployment.apps \"web\" deleted",
                ok(null, "delete", "deployment", "web", "-n", NS, "--cascade=background").out());
        await(r -> r.code() == 0 && r.out().isEmpty(), "get", "replicasets,pods", "-n", NS, "-l", "app=web", "-o", "name");

        Kubectl.Result now = ok(null, "delete", "pod", "solo", "-n", NS, "--grace-period=0", "--force");
        assertEquals("pod \"solo\" force deleted", now.out());
        assertTrue(now.err().startsWith("Warning: Immediate deletion does not wait for confirmation"), now.toString());
        fails(null, "get", "pod", "solo", "-n", NS);

        assertEquals("namespace \"scenario\" deleted", ok(null, "delete", "namespace", NS).out());
        assertEquals("Error from server (NotFound): namespaces \"scenario\" not found", fails(null, "get", "namespace", NS).err());
    }

    private static String run(ProcessBuilder pb) {
        try {
            Process p = pb.redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl did not finish: " + out);
            assertEquals(0, p.exitValue(), out);
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
