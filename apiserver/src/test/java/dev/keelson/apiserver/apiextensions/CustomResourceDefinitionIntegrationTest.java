package dev.keelson.apiserver.apiextensions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.testing.TestCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CustomResourceDefinitions on a real etcd: a definition becomes a served kind, its objects follow its schema. */
class CustomResourceDefinitionIntegrationTest {
    static TestCluster cluster;
    static KubernetesClient client;
    static final ResourceDefinitionContext WIDGETS = context("v1", "widgets", "Widget", true);

    @BeforeAll
    static void start() {
        cluster = TestCluster.start();
        client = cluster.client();
        install("crds/widgets.yaml");
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    static ResourceDefinitionContext context(String version, String plural, String kind, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup("example.com").withVersion(version)
                .withPlural(plural).withKind(kind).withNamespaced(namespaced).build();
    }

    static NonNamespaceOperation<CustomResourceDefinition, ?, Resource<CustomResourceDefinition>> crds() {
        return client.apiextensions().v1().customResourceDefinitions();
    }

    static CustomResourceDefinition install(String resource) {
        InputStream in = CustomResourceDefinitionIntegrationTest.class.getClassLoader().getResourceAsStream(resource);
        CustomResourceDefinition crd = crds().load(in).item();
        crds().resource(crd).create();
        String name = crd.getMetadata().getName();
        return await(name + " established", () -> crds().withName(name).get(),
                c -> "True".equals(condition(c, "Established").get("status")));
    }

    static Map<String, String> condition(CustomResourceDefinition crd, String type) {
        if (crd == null || crd.getStatus() == null || crd.getStatus().getConditions() == null) {
            return Map.of();
        }
        for (CustomResourceDefinitionCondition c : crd.getStatus().getConditions()) {
            if (type.equals(c.getType())) {
                return Map.of("status", c.getStatus(), "reason", c.getReason(), "message", c.getMessage());
            }
        }
        return Map.of();
    }

    static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        T last = null;
        while (Instant.now().isBefore(deadline)) {
            last = probe.get();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("timed out waiting for " + what + "; last seen: " + last);
    }

    static GenericKubernetesResource widget(String yaml) {
        try {
            return Json.MAPPER.convertValue(Json.YAML.readTree(yaml), GenericKubernetesResource.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static HttpResponse<String> http(String method, String path, String accept, String contentType, String body)
            throws Exception {
        HttpRequest.Builder b = client.getHttpClient().newHttpRequestBuilder().uri(cluster.url() + path)
                .header("Accept", accept);
        if (body != null) {
            b.method(method, contentType, body);
        } else if (!method.equals("GET")) {
            b.method(method, "application/json", "");
        }
        return client.getHttpClient().sendAsync(b.build(), String.class).get();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void establishedDefinitionIsDiscoverableWithItsNames() throws Exception {
        CustomResourceDefinition crd = crds().withName("widgets.example.com").get();
        assertEquals("NoConflicts", condition(crd, "NamesAccepted").get("reason"));
        assertEquals("InitialNamesAccepted", condition(crd, "Established").get("reason"));
        assertEquals(List.of("v1"), crd.getStatus().getStoredVersions());
        assertEquals(List.of("wd"), crd.getStatus().getAcceptedNames().getShortNames());
        JsonNode group = json(http("GET", "/apis/example.com", "application/json", null, null));
        assertEquals("example.com/v1", group.path("preferredVersion").path("groupVersion").asText());
        assertEquals(2, group.path("versions").size());
        JsonNode list = json(http("GET", "/apis/example.com/v1", "application/json", null, null));
        List<String> names = list.path("resources").findValuesAsText("name").stream()
                .filter(n -> n.startsWith("widgets")).toList();
        assertEquals(List.of("widgets", "widgets/scale", "widgets/status"), names);
        assertEquals("[\"wd\"]", list.path("resources").get(0).path("shortNames").toString());
        assertEquals("[\"all\"]", list.path("resources").get(0).path("categories").toString());
        HttpResponse<String> aggregated = http("GET", "/apis",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", null, null);
        assertTrue(aggregated.body().contains("\"resource\":\"widgets\""), aggregated.body());
        JsonNode openapi = json(http("GET", "/openapi/v3", "application/json", null, null));
        String url = openapi.path("paths").path("apis/example.com/v1").path("serverRelativeURL").asText();
        assertTrue(url.startsWith("/openapi/v3/apis/example.com/v1?hash="), openapi.toString());
        JsonNode doc = json(http("GET", url, "application/json", null, null));
        JsonNode schema = doc.path("components").path("schemas").path("com.example.v1.Widget");
        assertEquals("How many copies.", schema.at("/properties/spec/properties/replicas/description").asText());
        assertEquals("Widget", schema.at("/x-kubernetes-group-version-kind/0/kind").asText());
    }

    @Test
    void objectsArePrunedDefaultedAndValidated() {
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        GenericKubernetesResource created = widgets.resource(widget("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w1, labels: {tier: front}}
                spec: {image: nginx, junk: 1, ports: [{name: http, port: 80}]}
                status: {replicas: 5}
                """)).create();
        Map<String, Object> spec = (Map<String, Object>) created.getAdditionalProperties().get("spec");
        assertEquals(Map.of("image", "nginx", "replicas", 1, "color", "red",
                "ports", List.of(Map.of("name", "http", "port", 80))), spec);
        assertNull(created.getAdditionalProperties().get("status"), "status is not writable on create");
        assertEquals(1L, created.getMetadata().getGeneration());

        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> widgets.resource(widget("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: bad}
                spec: {replicas: 500, color: pink, ports: [{name: a}, {name: a}]}
                """)).create());
        assertEquals(422, e.getCode());
        List<String> causes = e.getStatus().getDetails().getCauses().stream()
                .map(c -> c.getField() + ": " + c.getMessage()).collect(Collectors.toList());
        assertEquals(List.of("spec.image: Required value",
                "spec.replicas: Invalid value: 500: spec.replicas in body should be less than or equal to 100",
                "spec.color: Unsupported value: \"pink\": supported values: \"red\", \"green\", \"blue\""), causes);
        assertEquals("Widget.example.com \"bad\" is invalid: [spec.image: Required value, spec.replicas: Invalid "
                + "value: 500: spec.replicas in body should be less than or equal to 100, spec.color: Unsupported "
                + "value: \"pink\": supported values: \"red\", \"green\", \"blue\"]", e.getStatus().getMessage());
        assertNull(widgets.withName("bad").get(), "nothing is written");

        KubernetesClientException dup = assertThrows(KubernetesClientException.class, () -> widgets.resource(widget("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: dup}
                spec: {image: x, ports: [{name: a}, {name: a}]}
                """)).create());
        StatusCause cause = dup.getStatus().getDetails().getCauses().get(0);
        assertEquals("spec.ports[1]", cause.getField());
        assertEquals("FieldValueDuplicate", cause.getReason());
    }

    @Test
    void strictFieldValidationReportsUnknownFieldsAndVersionsAreChecked() throws Exception {
        HttpResponse<String> strict = http("POST", "/apis/example.com/v1/namespaces/default/widgets?fieldValidation=Strict",
                "application/json", "application/json",
                "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"s\"},"
                        + "\"spec\":{\"image\":\"x\",\"bogus\":1}}");
        assertEquals(400, strict.code(), strict.body());
        assertEquals("Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field "
                + "\"spec.bogus\"", json(strict).path("message").asText());
        HttpResponse<String> unknownVersion = http("GET", "/apis/example.com/v7/namespaces/default/widgets",
                "application/json", null, null);
        assertEquals(404, unknownVersion.code());
        HttpResponse<String> wrongVersion = http("POST", "/apis/example.com/v1/namespaces/default/widgets",
                "application/json", "application/json",
                "{\"apiVersion\":\"example.com/v7\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"v7\"},"
                        + "\"spec\":{\"image\":\"x\"}}");
        assertEquals(400, wrongVersion.code(), wrongVersion.body());
    }

    @Test
    void statusAndScaleSubresources() throws Exception {
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("default");
        widgets.resource(widget("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: scaled}
                spec: {image: nginx, replicas: 2}
                """)).create();
        HttpResponse<String> status = http("PATCH", "/apis/example.com/v1/namespaces/default/widgets/scaled/status",
                "application/json", "application/merge-patch+json",
                "{\"status\":{\"replicas\":2,\"selector\":\"app=scaled\",\"conditions\":[{\"type\":\"Ready\","
                        + "\"status\":\"True\"}]},\"spec\":{\"replicas\":9}}");
        assertEquals(200, status.code(), status.body());
        assertEquals(2, json(status).at("/spec/replicas").asInt(), "spec is not written through status");
        HttpResponse<String> scale = http("GET", "/apis/example.com/v1/namespaces/default/widgets/scaled/scale",
                "application/json", null, null);
        assertEquals("{\"replicas\":2}", json(scale).path("spec").toString());
        assertEquals("app=scaled", json(scale).at("/status/selector").asText());
        HttpResponse<String> scaled = http("PATCH", "/apis/example.com/v1/namespaces/default/widgets/scaled/scale",
                "application/json", "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}");
        assertEquals(200, scaled.code(), scaled.body());
        GenericKubernetesResource w = widgets.withName("scaled").get();
        assertEquals(5, ((Map<?, ?>) w.getAdditionalProperties().get("spec")).get("replicas"));
        assertEquals(2L, w.getMetadata().getGeneration());

        HttpResponse<String> table = http("GET", "/apis/example.com/v1/namespaces/default/widgets/scaled",
                "application/json;as=Table;v=v1;g=meta.k8s.io", null, null);
        JsonNode t = json(table);
        assertEquals("[\"Name\",\"Replicas\",\"Color\",\"Ready\",\"Age\"]",
                t.path("columnDefinitions").findValuesAsText("name").stream()
                        .map(n -> "\"" + n + "\"").collect(Collectors.joining(",", "[", "]")));
        JsonNode cells = t.at("/rows/0/cells");
        assertEquals("scaled", cells.get(0).asText());
        assertEquals(5, cells.get(1).asInt());
        assertEquals("red", cells.get(2).asText());
        assertEquals("True", cells.get(3).asText());
    }

    @Test
    void patchesSelectorsAndDeleteCollection() throws Exception {
        var widgets = client.genericKubernetesResources(WIDGETS).inNamespace("kube-public");
        for (String n : List.of("a", "b", "c")) {
            widgets.resource(widget("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: " + n
                    + ", labels: {set: " + (n.equals("c") ? "two" : "one") + "}}\nspec: {image: x}\n")).create();
        }
        assertEquals(List.of("a", "b"), widgets.withLabel("set", "one").list().getItems().stream()
                .map(o -> o.getMetadata().getName()).sorted().toList());
        assertEquals(List.of("b"), widgets.withField("metadata.name", "b").list().getItems().stream()
                .map(o -> o.getMetadata().getName()).toList());
        HttpResponse<String> smp = http("PATCH", "/apis/example.com/v1/namespaces/kube-public/widgets/a",
                "application/json", "application/strategic-merge-patch+json", "{\"spec\":{\"color\":\"blue\"}}");
        assertEquals(415, smp.code(), smp.body());
        HttpResponse<String> jsonPatch = http("PATCH", "/apis/example.com/v1/namespaces/kube-public/widgets/a",
                "application/json", "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/color\",\"value\":\"blue\"}]");
        assertEquals("blue", json(jsonPatch).at("/spec/color").asText());
        HttpResponse<String> badPatch = http("PATCH", "/apis/example.com/v1/namespaces/kube-public/widgets/a",
                "application/json", "application/merge-patch+json", "{\"spec\":{\"replicas\":\"many\"}}");
        assertEquals(422, badPatch.code());
        HttpResponse<String> apply = http("PATCH",
                "/apis/example.com/v1/namespaces/kube-public/widgets/d?fieldManager=test", "application/json",
                "application/apply-patch+yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: d}\n"
                        + "spec: {image: applied}\n");
        assertEquals(201, apply.code(), apply.body());
        HttpResponse<String> v1beta1 = http("GET", "/apis/example.com/v1beta1/namespaces/kube-public/widgets/d",
                "application/json", null, null);
        assertEquals("example.com/v1beta1", json(v1beta1).path("apiVersion").asText());
        widgets.withLabel("set", "one").delete();
        await("label-selected widgets deleted", () -> widgets.list().getItems().stream()
                .map(o -> o.getMetadata().getName()).sorted().toList(), l -> l.equals(List.of("c", "d")));
    }

    @Test
    void serverSideApplyMergesListsAsTheSchemaDeclares() throws Exception {
        CustomResourceDefinition crd = crds().load(new java.io.ByteArrayInputStream("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: gateways.example.com}
                spec:
                  group: example.com
                  scope: Namespaced
                  names: {plural: gateways, kind: Gateway}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec:
                            type: object
                            properties:
                              listeners:
                                type: array
                                x-kubernetes-list-type: map
                                x-kubernetes-list-map-keys: [port, protocol]
                                items:
                                  type: object
                                  required: [port, protocol]
                                  properties:
                                    port: {type: integer}
                                    protocol: {type: string}
                                    name: {type: string}
                              hosts:
                                type: array
                                x-kubernetes-list-type: set
                                items: {type: string}
                              routes:
                                type: array
                                items: {type: string}
                              tls:
                                type: object
                                x-kubernetes-map-type: atomic
                                properties:
                                  cert: {type: string}
                                  key: {type: string}
                """.getBytes())).item();
        crds().resource(crd).create();
        await("gateways established", () -> crds().withName("gateways.example.com").get(),
                c -> "True".equals(condition(c, "Established").get("status")));
        String path = "/apis/example.com/v1/namespaces/default/gateways/gw";
        HttpResponse<String> first = apply(path, "team-a", false, """
                spec:
                  listeners: [{port: 80, protocol: TCP, name: web}]
                  hosts: [a.example]
                  routes: [r1]
                  tls: {cert: c1, key: k1}
                """);
        assertEquals(201, first.code(), first.body());
        HttpResponse<String> second = apply(path, "team-b", false, """
                spec:
                  listeners: [{port: 443, protocol: TCP, name: secure}]
                  hosts: [b.example]
                """);
        assertEquals(200, second.code(), second.body());
        JsonNode spec = json(second).path("spec");
        assertEquals(2, spec.path("listeners").size(), spec.toString());
        List<String> names = new java.util.ArrayList<>();
        spec.path("listeners").forEach(l -> names.add(l.path("port").asInt() + "=" + l.path("name").asText()));
        assertEquals(List.of("443=secure", "80=web"), names.stream().sorted().toList());
        assertEquals(List.of("a.example", "b.example"), strings(spec.path("hosts")).stream().sorted().toList());
        String fields = json(second).path("metadata").path("managedFields").toString();
        assertTrue(fields.contains("k:{\\\"port\\\":443,\\\"protocol\\\":\\\"TCP\\\"}"), fields);
        assertTrue(fields.contains("v:\\\"b.example\\\""), fields);

        HttpResponse<String> clash = apply(path, "team-b", false, """
                spec:
                  listeners: [{port: 80, protocol: TCP, name: other}]
                  routes: [r2]
                  tls: {cert: c2}
                """);
        assertEquals(409, clash.code(), clash.body());
        String message = json(clash).path("message").asText();
        assertTrue(message.contains(".spec.listeners[port=80,protocol=\"TCP\"].name"), message);
        assertTrue(message.contains(".spec.routes"), message);
        assertTrue(message.contains(".spec.tls"), message);

        HttpResponse<String> dropped = apply(path, "team-a", false, """
                spec:
                  hosts: [a.example]
                  routes: [r1]
                  tls: {cert: c1, key: k1}
                """);
        assertEquals(200, dropped.code(), dropped.body());
        JsonNode after = json(dropped).path("spec");
        assertEquals(1, after.path("listeners").size(), after.toString());
        assertEquals(443, after.path("listeners").get(0).path("port").asInt());

        HttpResponse<String> missingKey = apply(path, "team-c", false, """
                spec:
                  listeners: [{port: 8080, name: nokey}]
                """);
        assertEquals(422, missingKey.code(), missingKey.body());
        HttpResponse<String> unchanged = http("GET", path, "application/json", null, null);
        assertEquals(1, json(unchanged).path("spec").path("listeners").size(), unchanged.body());
    }

    static HttpResponse<String> apply(String path, String manager, boolean force, String spec) throws Exception {
        return http("PATCH", path + "?fieldManager=" + manager + (force ? "&force=true" : ""), "application/json",
                "application/apply-patch+yaml", "apiVersion: example.com/v1\nkind: Gateway\nmetadata: {name: gw}\n"
                        + spec);
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void badDefinitionsAreRefusedWithTheirFields() {
        CustomResourceDefinition bad = crds().load(new java.io.ByteArrayInputStream("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: gadgets.example}
                spec:
                  group: example
                  scope: Namespaced
                  names: {plural: gadgets, kind: Gadget}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec: {properties: {size: {type: integer}}}
                """.getBytes())).item();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> crds().resource(bad).create());
        assertEquals(422, e.getCode());
        List<String> fields = e.getStatus().getDetails().getCauses().stream().map(StatusCause::getField).toList();
        assertEquals(List.of("spec.group", "spec.versions[0].schema.openAPIV3Schema.properties[spec].type"), fields);
        assertNull(crds().withName("gadgets.example").get());
    }

    @Test
    void conflictingNamesAreNotAccepted() {
        CustomResourceDefinition clash = crds().load(new java.io.ByteArrayInputStream("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgetses.example.com}
                spec:
                  group: example.com
                  scope: Cluster
                  names: {plural: widgetses, kind: Widget}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema: {openAPIV3Schema: {type: object}}
                """.getBytes())).item();
        crds().resource(clash).create();
        CustomResourceDefinition seen = await("NamesAccepted condition", () -> crds().withName("widgetses.example.com")
                .get(), c -> !condition(c, "NamesAccepted").isEmpty());
        assertEquals(Map.of("status", "False", "reason", "ListKindConflict", "message",
                        "\"WidgetList\" is already in use"),
                condition(seen, "NamesAccepted"));
        assertEquals("False", condition(seen, "Established").get("status"));
        crds().withName("widgetses.example.com").delete();
        await("clashing definition deleted", () -> crds().withName("widgetses.example.com").get(), c -> c == null);
    }

    @Test
    void deletingADefinitionDeletesItsObjectsAndStopsServingIt() throws Exception {
        CustomResourceDefinition gizmos = crds().load(new java.io.ByteArrayInputStream("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: gizmos.example.com}
                spec:
                  group: example.com
                  scope: Cluster
                  names: {plural: gizmos, kind: Gizmo}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                """.getBytes())).item();
        crds().resource(gizmos).create();
        await("gizmos established", () -> crds().withName("gizmos.example.com").get(),
                c -> "True".equals(condition(c, "Established").get("status")));
        var objects = client.genericKubernetesResources(context("v1", "gizmos", "Gizmo", false));
        await("gizmos served", () -> {
            try {
                objects.resource(widget("apiVersion: example.com/v1\nkind: Gizmo\nmetadata: {name: g1}\n"
                        + "data: {anything: [1, 2]}\n")).create();
                return true;
            } catch (KubernetesClientException e) {
                return false;
            }
        }, ok -> ok);
        assertFalse(objects.list().getItems().isEmpty());
        crds().withName("gizmos.example.com").delete();
        await("definition and objects gone", () -> crds().withName("gizmos.example.com").get(), c -> c == null);
        await("gizmos no longer served", () -> {
            try {
                return http("GET", "/apis/example.com/v1/gizmos", "application/json", null, null).code();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, code -> code == 404);
        assertEquals(0, cluster.apiServer().resources().all().stream()
                .filter(t -> t.plural().equals("gizmos")).count());
    }

    @Test
    void definitionsShapedLikeWellKnownProjectsInstallAndServe() throws Exception {
        install("crds/certificates.yaml");
        install("crds/servicemonitors.yaml");
        ResourceDefinitionContext certs = new ResourceDefinitionContext.Builder().withGroup("cert-manager.io")
                .withVersion("v1").withPlural("certificates").withKind("Certificate").withNamespaced(true).build();
        client.genericKubernetesResources(certs).inNamespace("default").resource(widget("""
                apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata: {name: web}
                spec:
                  secretName: web-tls
                  dnsNames: [web.example.com]
                  issuerRef: {name: ca, kind: ClusterIssuer}
                  privateKey: {algorithm: ECDSA, size: 256, rotationPolicy: Always}
                  usages: [server auth, digital signature]
                  keystores: {pkcs12: {create: true, profile: Modern2023, passwordSecretRef: {name: p, key: k}}}
                """)).create();
        HttpResponse<String> old = http("GET", "/apis/cert-manager.io/v1beta1/namespaces/default/certificates/web",
                "application/json", null, null);
        assertEquals("cert-manager.io/v1beta1", json(old).path("apiVersion").asText(), old.body());
        assertEquals("299 - \"cert-manager.io/v1beta1 Certificate is deprecated; use cert-manager.io/v1 Certificate\"",
                old.header("Warning"));
        assertEquals("ca", json(old).at("/spec/issuerRef/name").asText());
        KubernetesClientException badCert = assertThrows(KubernetesClientException.class, () ->
                client.genericKubernetesResources(certs).inNamespace("default").resource(widget("""
                        apiVersion: cert-manager.io/v1
                        kind: Certificate
                        metadata: {name: bad}
                        spec:
                          secretName: s
                          issuerRef: {kind: Issuer}
                          privateKey: {algorithm: DSA}
                          keystores: {jks: {passwordSecretRef: {name: p}}}
                        """)).create());
        assertEquals(List.of("spec.issuerRef.name: Required value",
                        "spec.keystores.jks.create: Required value",
                        "spec.privateKey.algorithm: Unsupported value: \"DSA\": supported values: \"RSA\", \"ECDSA\", "
                                + "\"Ed25519\""),
                badCert.getStatus().getDetails().getCauses().stream().map(c -> c.getField() + ": " + c.getMessage())
                        .sorted().toList());

        ResourceDefinitionContext monitors = new ResourceDefinitionContext.Builder()
                .withGroup("monitoring.coreos.com").withVersion("v1").withPlural("servicemonitors")
                .withKind("ServiceMonitor").withNamespaced(true).build();
        GenericKubernetesResource sm = client.genericKubernetesResources(monitors).inNamespace("default")
                .resource(widget("""
                        apiVersion: monitoring.coreos.com/v1
                        kind: ServiceMonitor
                        metadata: {name: api}
                        spec:
                          selector: {matchLabels: {app: api}}
                          endpoints:
                          - port: metrics
                            targetPort: 9090
                            interval: 30s
                            tlsConfig: {ca: {secret: {key: ca.crt, name: ca}}, serverName: api}
                            metricRelabelings:
                            - sourceLabels: [__name__]
                              regex: go_.*
                              targetLabel: dropped
                        """)).create();
        Map<?, ?> endpoint = (Map<?, ?>) ((List<?>) ((Map<?, ?>) sm.getAdditionalProperties().get("spec"))
                .get("endpoints")).get(0);
        assertEquals("replace", ((Map<?, ?>) ((List<?>) endpoint.get("metricRelabelings")).get(0)).get("action"),
                "defaulted several levels down");
        KubernetesClientException badMonitor = assertThrows(KubernetesClientException.class, () ->
                client.genericKubernetesResources(monitors).inNamespace("default").resource(widget("""
                        apiVersion: monitoring.coreos.com/v1
                        kind: ServiceMonitor
                        metadata: {name: bad}
                        spec:
                          selector: {}
                          endpoints:
                          - interval: 30 seconds
                            targetPort: true
                            relabelings: [{sourceLabels: [1abc], action: explode}]
                        """)).create());
        assertEquals(List.of(
                "spec.endpoints[0].interval: Invalid value: \"30 seconds\": spec.endpoints[0].interval in body should "
                        + "match '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$'",
                "spec.endpoints[0].relabelings[0].action: Unsupported value: \"explode\": supported values: "
                        + "\"replace\", \"Replace\", \"keep\", \"Keep\", \"drop\", \"Drop\", \"hashmod\", \"HashMod\", "
                        + "\"labelmap\", \"LabelMap\", \"labeldrop\", \"LabelDrop\", \"labelkeep\", \"LabelKeep\", "
                        + "\"lowercase\", \"Lowercase\", \"uppercase\", \"Uppercase\", \"keepequal\", \"KeepEqual\", "
                        + "\"dropequal\", \"DropEqual\"",
                "spec.endpoints[0].relabelings[0].sourceLabels[0]: Invalid value: \"1abc\": "
                        + "spec.endpoints[0].relabelings[0].sourceLabels[0] in body should match '^[a-zA-Z_][a-zA-Z0-9_]*$'",
                "spec.endpoints[0].targetPort: Invalid value: \"boolean\": spec.endpoints[0].targetPort in body must "
                        + "be of type integer,string: \"boolean\""),
                badMonitor.getStatus().getDetails().getCauses().stream().map(c -> c.getField() + ": " + c.getMessage())
                        .filter(m -> !m.startsWith(": ") && !m.contains("anyOf")).sorted().toList());
    }
}
