package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keelson.apiserver.ApiServerOptions;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.SecurityOptions;
import dev.keelson.apiserver.audit.AuditOptions;
import dev.keelson.apiserver.audit.AuditPolicy;
import dev.keelson.apiserver.testing.ApiHttp;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The audit log of a real apiserver: levels and stages by policy, denied requests, rotation. */
class AuditLogIntegrationTest {
    static final Path TOKENS = ApiHttp.tokenFile(List.of(
            "alice-token,alice,1,\"dev\"",
            "root-token,root,2,\"system:masters\""));
    static final String POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitManagedFields: true
            rules:
            - level: None
              nonResourceURLs: ["/healthz*", "/readyz*", "/livez*"]
            - level: Metadata
              resources:
              - group: ""
                resources: ["secrets"]
            - level: RequestResponse
              resources:
              - group: ""
                resources: ["configmaps"]
            - level: Request
              users: ["alice"]
            - level: Metadata
            """;

    private static TestCluster start(int maxSizeMegabytes, int maxBackups) throws Exception {
        AuditPolicy policy = AuditPolicy.decode(POLICY.getBytes(StandardCharsets.UTF_8));
        return TestCluster.start(VertxHolder.get(), o -> o.withTokenAuthFile(TOKENS)
                        .withAccess(new ApiServerOptions.Access(List.of("AlwaysDeny"), List.of(), List.of())),
                dir -> SecurityOptions.NONE.withAudit(AuditOptions.of(policy, log(dir), maxSizeMegabytes,
                        maxBackups, 0)));
    }

    private static Path log(Path dir) {
        return dir.resolve("logs").resolve("audit.log");
    }

    private static List<JsonNode> events(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                out.add(Json.MAPPER.readTree(line));
            }
        }
        return out;
    }

    /** Polls the log until {@code done} holds; on timeout fails with what was last read. */
    private static List<JsonNode> await(Path file, Predicate<List<JsonNode>> done) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<JsonNode> seen = events(file);
        while (!done.test(seen)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("audit log never got there; last read " + seen.size() + " events: " + seen);
            }
            Thread.sleep(100);
            seen = events(file);
        }
        return seen;
    }

    private static JsonNode find(List<JsonNode> events, String auditId, String stage) {
        return events.stream().filter(e -> auditId.equals(e.path("auditID").asText())
                && stage.equals(e.path("stage").asText())).findFirst().orElse(null);
    }

    @Test
    void eventsFollowThePolicyAndADeniedRequestLeavesOnlyItsAuditLine() throws Exception {
        try (TestCluster cluster = start(100, 0)) {
            ApiHttp root = new ApiHttp(cluster, "root-token");
            ApiHttp alice = new ApiHttp(cluster, "alice-token");
            ApiHttp stranger = new ApiHttp(cluster, "no-such-token");
            HttpResponse<String> secret = root.exchange("POST", "/api/v1/namespaces/default/secrets",
                    "{\"metadata\":{\"name\":\"s1\"},\"stringData\":{\"password\":\"hunter2\"}}");
            assertEquals(201, secret.statusCode(), secret.body());
            String secretId = secret.headers().firstValue("Audit-Id").orElseThrow();
            HttpResponse<String> cm = root.exchange("POST", "/api/v1/namespaces/default/configmaps",
                    "{\"metadata\":{\"name\":\"c1\"},\"data\":{\"k\":\"v\"}}");
            assertEquals(201, cm.statusCode(), cm.body());
            HttpResponse<String> missing = root.exchange("GET", "/api/v1/namespaces/default/configmaps/nope", null);
            assertEquals(404, missing.statusCode());
            HttpResponse<String> denied = alice.exchange("POST", "/api/v1/namespaces/default/pods",
                    "{\"metadata\":{\"name\":\"leak\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
                            + "\"nginx\",\"env\":[{\"name\":\"K\",\"value\":\"LEAKED-VALUE\"}]}]}}");
            assertEquals(403, denied.statusCode());
            HttpResponse<String> unauthenticated = stranger.exchange("GET", "/api/v1/namespaces", null);
            assertEquals(401, unauthenticated.statusCode());
            HttpResponse<String> health = root.exchange("GET", "/healthz", null);
            assertEquals(200, health.statusCode());
            assertNotNull(health.headers().firstValue("Audit-Id").orElse(null), "every answer has an Audit-Id");
            HttpResponse<String> watch = root.exchange("GET",
                    "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1", null);
            assertEquals(200, watch.statusCode());

            String watchId = watch.headers().firstValue("Audit-Id").orElseThrow();
            List<JsonNode> events = await(log(cluster.dataDir()), evs -> find(evs, watchId, "ResponseComplete") != null
                    && find(evs, unauthenticated.headers().firstValue("Audit-Id").orElseThrow(), "ResponseComplete") != null);

            JsonNode s = find(events, secretId, "ResponseComplete");
            assertEquals("audit.k8s.io/v1", s.path("apiVersion").asText());
            assertEquals("Event", s.path("kind").asText());
            assertEquals("Metadata", s.path("level").asText());
            assertEquals("create", s.path("verb").asText());
            assertEquals("/api/v1/namespaces/default/secrets", s.path("requestURI").asText());
            assertEquals("root", s.path("user").path("username").asText());
            assertEquals("system:masters", s.path("user").path("groups").path(0).asText());
            assertTrue(s.path("sourceIPs").toString().contains("127.0.0.1"), s.toString());
            assertTrue(s.path("userAgent").asText().startsWith("Java-http-client"), s.toString());
            assertEquals("secrets", s.path("objectRef").path("resource").asText());
            assertEquals("default", s.path("objectRef").path("namespace").asText());
            assertEquals("s1", s.path("objectRef").path("name").asText());
            assertEquals("v1", s.path("objectRef").path("apiVersion").asText());
            assertEquals(201, s.path("responseStatus").path("code").asInt());
            assertFalse(s.has("requestObject") || s.has("responseObject"), "Metadata: no bodies");
            assertEquals("allow", s.path("annotations").path("authorization.k8s.io/decision").asText());
            assertTrue(s.path("stageTimestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
            assertNotNull(find(events, secretId, "RequestReceived"), "this policy keeps RequestReceived");

            JsonNode c = find(events, cm.headers().firstValue("Audit-Id").orElseThrow(), "ResponseComplete");
            assertEquals("RequestResponse", c.path("level").asText());
            assertEquals("v", c.path("requestObject").path("data").path("k").asText());
            assertEquals("c1", c.path("responseObject").path("metadata").path("name").asText());
            assertFalse(c.path("responseObject").path("metadata").has("managedFields"), "omitManagedFields");

            JsonNode m = find(events, missing.headers().firstValue("Audit-Id").orElseThrow(), "ResponseComplete");
            assertEquals(404, m.path("responseStatus").path("code").asInt());
            assertEquals("NotFound", m.path("responseStatus").path("reason").asText());
            assertEquals("Failure", m.path("responseStatus").path("status").asText());

            JsonNode d = find(events, denied.headers().firstValue("Audit-Id").orElseThrow(), "ResponseComplete");
            assertEquals("Request", d.path("level").asText());
            assertEquals(403, d.path("responseStatus").path("code").asInt());
            assertEquals("Forbidden", d.path("responseStatus").path("reason").asText());
            assertEquals("forbid", d.path("annotations").path("authorization.k8s.io/decision").asText());
            assertFalse(d.has("requestObject"), "a denied request's body is never read");
            assertFalse(Files.readString(log(cluster.dataDir())).contains("LEAKED-VALUE"));
            assertEquals(404, root.exchange("GET", "/api/v1/namespaces/default/pods/leak", null).statusCode());

            JsonNode u = find(events, unauthenticated.headers().firstValue("Audit-Id").orElseThrow(), "ResponseComplete");
            assertEquals(401, u.path("responseStatus").path("code").asInt());
            assertEquals(0, u.path("user").size(), "no user: " + u);

            assertTrue(events.stream().noneMatch(e -> e.path("requestURI").asText().startsWith("/healthz")));
            assertNotNull(find(events, watchId, "ResponseStarted"));
            assertEquals("watch", find(events, watchId, "ResponseComplete").path("verb").asText());

            String metrics = root.exchange("GET", "/metrics", null).body();
            assertTrue(metrics.contains("apiserver_audit_event_total"), "kube's audit counter is served");
            assertTrue(metrics.contains("apiserver_audit_error_total{plugin=\"buffered\"} 0.0")
                    || metrics.contains("apiserver_audit_error_total{plugin=\"buffered\",} 0.0"), "nothing dropped");
        }
    }

    @Test
    void aWebSocketWatchIsStartedThenCompletedWhenTheClientLeaves() throws Exception {
        try (TestCluster cluster = start(100, 0)) {
            // fabric8 watches over a WebSocket upgrade first, as the informers of every component do
            var watch = cluster.client().configMaps().inNamespace("default").watch(
                    new io.fabric8.kubernetes.client.Watcher<>() {
                        @Override
                        public void eventReceived(Action action, io.fabric8.kubernetes.api.model.ConfigMap cm) {
                        }

                        @Override
                        public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                        }
                    });
            Path file = log(cluster.dataDir());
            List<JsonNode> started = await(file, evs -> evs.stream().anyMatch(e -> "watch".equals(e.path("verb")
                    .asText()) && "ResponseStarted".equals(e.path("stage").asText())));
            String id = started.stream().filter(e -> "watch".equals(e.path("verb").asText())
                    && "ResponseStarted".equals(e.path("stage").asText())).findFirst().orElseThrow()
                    .path("auditID").asText();
            assertEquals(101, find(started, id, "ResponseStarted").path("responseStatus").path("code").asInt());
            assertEquals(null, find(started, id, "ResponseComplete"), "complete only when the watch ends");
            watch.close();
            await(file, evs -> find(evs, id, "ResponseComplete") != null);
        }
    }

    @Test
    void theLogRotatesAtMaxSizeAndKeepsMaxBackups() throws Exception {
        try (TestCluster cluster = start(1, 1)) {
            ApiHttp root = new ApiHttp(cluster, "root-token");
            String big = "x".repeat(150 * 1024);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                HttpResponse<String> r = root.exchange("POST", "/api/v1/namespaces/default/configmaps",
                        "{\"metadata\":{\"name\":\"big" + i + "\"},\"data\":{\"k\":\"" + big + "\"}}");
                assertEquals(201, r.statusCode(), r.body());
                ids.add(r.headers().firstValue("Audit-Id").orElseThrow());
            }
            Path file = log(cluster.dataDir());
            String last = ids.get(ids.size() - 1);
            await(file, evs -> find(evs, last, "ResponseComplete") != null);
            List<Path> all;
            try (Stream<Path> files = Files.list(file.getParent())) {
                all = files.sorted().toList();
            }
            assertEquals(2, all.size(), "the log and one backup (maxbackup 1): " + all);
            for (Path p : all) {
                assertTrue(Files.size(p) <= 1024 * 1024, p + " is " + Files.size(p) + " bytes");
                for (JsonNode e : events(p)) {
                    assertEquals("audit.k8s.io/v1", e.path("apiVersion").asText());
                }
            }
            assertTrue(all.get(0).getFileName().toString().matches("audit-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}\\.log"),
                    all.toString());
        }
    }
}
