package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A user installs a CustomResourceDefinition with kubectl 1.32 against a real `keelson server` (control plane only)
 * and works with its objects: every step is checked on kubectl's output and exit code.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlCustomResourceTest {
    static KeelsonServerProcess server;
    static Path work;

    static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd], categories: [all]}
              versions:
              - name: v1
                served: true
                storage: true
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
                - {name: Color, type: string, jsonPath: .spec.color}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
                schema:
                  openAPIV3Schema:
                    description: A Widget is a thing made of parts.
                    type: object
                    properties:
                      spec:
                        description: The desired widget.
                        type: object
                        required: [image]
                        properties:
                          image: {type: string, description: The image the widget runs.}
                          replicas: {type: integer, minimum: 0, maximum: 100, default: 1, description: How many copies.}
                          color: {type: string, enum: [red, green, blue], default: red}
                      status:
                        type: object
                        properties:
                          replicas: {type: integer}
            """;

    @BeforeAll
    static void start() throws IOException {
        work = Files.createTempDirectory("keelson-e2e-crd-");
        server = KeelsonServerProcess.start("keelson-e2e-crd", "10.252.0.0/16", true);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        try (var files = Files.walk(work)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
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

    static String widget(String name, String spec) {
        return "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: " + name + ", namespace: default}\nspec: "
                + spec + "\n";
    }

    @Test
    @Order(1)
    void applyTheDefinitionAndWaitUntilEstablished() {
        assertEquals("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
                ok(CRD, "apply", "-f", "-").out().trim());
        assertEquals("customresourcedefinition.apiextensions.k8s.io/widgets.example.com condition met",
                ok(null, "wait", "--for", "condition=Established", "crd/widgets.example.com", "--timeout=30s")
                        .out().trim());
        String crds = ok(null, "get", "crd").out();
        assertTrue(crds.lines().anyMatch(l -> l.matches("widgets\\.example\\.com\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z")), crds);
    }

    @Test
    @Order(2)
    void createAndGetObjectsByNameShortNameAndCategory() {
        assertEquals("widget.example.com/w1 created",
                ok(widget("w1", "{image: nginx, replicas: 2, color: blue}"), "apply", "-f", "-").out().trim());
        assertEquals("widget.example.com/w2 created", ok(widget("w2", "{image: nginx}"), "create", "-f", "-")
                .out().trim());
        List<String> lines = ok(null, "get", "widgets").out().lines().toList();
        assertTrue(lines.get(0).matches("NAME\\s+REPLICAS\\s+COLOR\\s+AGE"), lines.toString());
        assertTrue(lines.get(1).matches("w1\\s+2\\s+blue\\s+\\d+s"), lines.toString());
        assertTrue(lines.get(2).matches("w2\\s+1\\s+red\\s+\\d+s"), lines.toString());
        assertEquals("w1 w2", ok(null, "get", "wd", "-o", "jsonpath={.items[*].metadata.name}").out());
        String all = ok(null, "get", "all").out();
        assertTrue(all.contains("widget.example.com/w1"), all);
    }

    @Test
    @Order(3)
    void explainShowsTheSchemaAndItsDescriptions() {
        String field = ok(null, "explain", "widgets.spec.replicas").out();
        assertTrue(field.contains("KIND:       Widget"), field);
        assertTrue(field.contains("FIELD: replicas <integer>"), field);
        assertTrue(field.contains("How many copies."), field);
        String kind = ok(null, "explain", "widget").out();
        assertTrue(kind.contains("A Widget is a thing made of parts."), kind);
        assertTrue(kind.contains("spec\t<Object>"), kind);
    }

    @Test
    @Order(4)
    void scaleAndEditAnObject() throws IOException {
        assertEquals("widget.example.com/w1 scaled", ok(null, "scale", "widget", "w1", "--replicas=5").out().trim());
        assertEquals("5", ok(null, "get", "widget", "w1", "-o", "jsonpath={.spec.replicas}").out());

        Path editor = work.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/color: blue/color: green/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder pb = new ProcessBuilder("kubectl", "--kubeconfig", server.kubeconfig().toString(), "edit",
                "widget", "w1");
        pb.environment().put("EDITOR", editor.toString());
        assertEquals("widget.example.com/w1 edited", run(pb).trim());
        assertEquals("green 3", ok(null, "get", "widget", "w1", "-o",
                "jsonpath={.spec.color} {.metadata.generation}").out());
    }

    @Test
    @Order(5)
    void invalidObjectsPrintKubernetesMessages() {
        Kubectl.Result tooMany = fails(widget("bad", "{image: nginx, replicas: 500}"), "apply", "-f", "-");
        assertTrue(tooMany.err().contains("The Widget \"bad\" is invalid: spec.replicas: Invalid value: 500: "
                + "spec.replicas in body should be less than or equal to 100"), tooMany.toString());
        Kubectl.Result unknown = fails(widget("bad", "{image: nginx, colour: red}"), "apply", "-f", "-");
        assertTrue(unknown.err().contains("unknown field \"spec.colour\""), unknown.toString());
        Kubectl.Result two = fails(widget("bad", "{color: pink}"), "create", "-f", "-");
        assertTrue(two.err().contains("The Widget \"bad\" is invalid: \n* spec.image: Required value\n* spec.color: "
                + "Unsupported value: \"pink\": supported values: \"red\", \"green\", \"blue\""), two.toString());
        fails(null, "get", "widget", "bad");
    }

    @Test
    @Order(6)
    void getWatchPrintsNewObjects() throws Exception {
        Process watch = new ProcessBuilder("kubectl", "--kubeconfig", server.kubeconfig().toString(), "get",
                "widgets", "-w").redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getInputStream(),
                StandardCharsets.UTF_8))) {
            while (lines.size() < 3) {
                String line = in.readLine();
                if (line == null) {
                    break;
                }
                lines.add(line);
            }
            assertTrue(watch.isAlive(), "kubectl get -w ended on its own: " + lines);
            ok(widget("w3", "{image: nginx, replicas: 7}"), "create", "-f", "-");
            String line = in.readLine();
            assertTrue(line != null && line.matches("w3\\s+7\\s+red\\s+\\d+s"), lines + " then " + line);
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(lines.get(0).matches("NAME\\s+REPLICAS\\s+COLOR\\s+AGE"), lines.toString());
    }

    @Test
    @Order(7)
    void deletingTheDefinitionDeletesItsObjects() {
        assertEquals("customresourcedefinition.apiextensions.k8s.io \"widgets.example.com\" deleted",
                ok(null, "delete", "crd", "widgets.example.com").out().trim());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        Kubectl.Result r = server.kubectl(null, "get", "widgets");
        while (r.code() == 0 && Instant.now().isBefore(deadline)) {
            r = server.kubectl(null, "get", "widgets");
        }
        assertEquals(1, r.code(), r.toString());
        // kubectl prints the first with discovery cached from the earlier steps, the second once it re-discovers
        assertTrue(r.err().contains("Error from server (NotFound): Unable to list \"example.com/v1, Resource=widgets\": "
                + "the server could not find the requested resource")
                || r.err().contains("error: the server doesn't have a resource type \"widgets\""), r.toString());

        ok(CRD, "apply", "-f", "-");
        ok(null, "wait", "--for", "condition=Established", "crd/widgets.example.com", "--timeout=30s");
        Kubectl.Result empty = ok(null, "get", "widgets");
        assertEquals("No resources found in default namespace.", empty.err().trim(), "objects outlived their "
                + "definition: " + empty);
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
