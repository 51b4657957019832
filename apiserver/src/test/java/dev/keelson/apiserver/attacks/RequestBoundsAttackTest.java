package dev.keelson.apiserver.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.ServingLimits;
import dev.keelson.apiserver.testing.BlockedThreadWatch;
import dev.keelson.apiserver.testing.RawHttps;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.tls.CertificateAuthority;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests an attacker would send to take the API down, each answered within its bound while other clients are
 * served and no event loop is blocked (Vert.x's checker at {@link BlockedThreadWatch#TEST_LIMIT_MS}, and shown to report a
 * block).
 */
class RequestBoundsAttackTest {
    private static final String CM = "/api/v1/namespaces/default/configmaps";
    private static BlockedThreadWatch watch;
    private static TestCluster cluster;
    private static RawHttps user;
    private static RawHttps admin;

    @BeforeAll
    static void start() throws Exception {
        watch = new BlockedThreadWatch(BlockedThreadWatch.TEST_LIMIT_MS);
        cluster = TestCluster.start(watch.vertx(), o -> o.withLimits(ServingLimits.defaults()
                .withRequestTimeout(Duration.ofSeconds(3)).withInflight(400, 1)));
        CertificateAuthority ca = cluster.apiServer().certificateAuthority();
        user = new RawHttps(cluster, ca.issueClient("mallory", List.of("system:authenticated"), Duration.ofHours(1)));
        admin = new RawHttps(cluster, ca.issueClient("admin", List.of("system:masters"), Duration.ofHours(1)));
        // mallory may write (RBAC is the default): the bounds, not authorization, are what stop her here.
        RawHttps.Response bind = admin.send("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
                "application/json", "{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRoleBinding\","
                        + "\"metadata\":{\"name\":\"mallory-admin\"},\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
                        + "\"kind\":\"ClusterRole\",\"name\":\"cluster-admin\"},\"subjects\":[{\"kind\":\"User\","
                        + "\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"mallory\"}]}");
        assertEquals(201, bind.code(), bind.body());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (user.send("GET", CM, null, null).code() == 403 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        warmUp();
        watch.blockOnce(3 * BlockedThreadWatch.TEST_LIMIT_MS);
        assertFalse(watch.eventLoopWarnings().isEmpty(), "the blocked-thread checker reports nothing: no proof");
        watch.clear();
    }

    /** Every kind of request once, so first-use class loading is not taken for a blocked event loop. */
    private static void warmUp() throws Exception {
        for (RawHttps client : List.of(user, admin)) {
            String name = client == user ? "warm-user" : "warm-admin";
            client.send("POST", CM, "application/json", "{\"metadata\":{\"name\":\"" + name + "\"}}");
            client.send("GET", CM + "/" + name, null, null);
            client.send("PATCH", CM + "/" + name, "application/json-patch+json",
                    "[{\"op\":\"add\",\"path\":\"/data\",\"value\":{\"a\":\"b\"}},"
                            + "{\"op\":\"copy\",\"from\":\"/data/a\",\"path\":\"/data/c\"}]");
            client.send("PATCH", CM + "/" + name, "application/merge-patch+json", "{\"data\":{\"x\":\"y\"}}");
            client.send("PATCH", CM + "/" + name, "application/json-patch+json", "[{\"op\":\"bad\",\"path\":\"/\"}]");
            client.send("POST", CM, "application/json", "{\"metadata\":{\"name\":\"" + "x".repeat(3 << 20) + "\"}}");
            client.send("DELETE", CM + "/" + name, null, null);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (watch != null) {
            watch.close();
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void amplifyingJsonPatchIsRefusedAndChangesNothingWhileOthersAreServed() throws Exception {
        cluster.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("amplify").endMetadata().addToData("seed", "x".repeat(64)).build()).create();
        // each op doubles /data/d: 2^85 copies of the seed if nothing bounds it; about 4.5 KB of patch
        StringBuilder ops = new StringBuilder("[{\"op\":\"add\",\"path\":\"/data/d\",\"value\":{\"s\":\"")
                .append("x".repeat(64)).append("\"}}");
        for (int i = 0; i < 85; i++) {
            ops.append(",{\"op\":\"copy\",\"from\":\"/data/d\",\"path\":\"/data/d/c").append(i).append("\"}");
        }
        String patch = ops.append(']').toString();
        assertTrue(patch.length() > 4000 && patch.length() < 5000, "patch of " + patch.length() + " bytes");
        long heapBefore = usedHeapAfterGc();

        CompletableFuture<RawHttps.Response> attack = CompletableFuture.supplyAsync(() -> {
            try {
                return user.send("PATCH", CM + "/amplify", "application/json-patch+json", patch);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        RawHttps.Response other = admin.send("GET", CM + "/amplify", null, null);
        RawHttps.Response answer = attack.get(60, TimeUnit.SECONDS);

        assertEquals(422, answer.code(), answer.body());
        assertTrue(answer.body().contains("the accumulated size increase of copy is"), answer.body());
        assertEquals(200, other.code(), other.body());
        assertEquals(1, cluster.client().configMaps().inNamespace("default").withName("amplify").get().getData()
                .size());
        long grown = usedHeapAfterGc() - heapBefore;
        assertTrue(grown < 256L * 1024 * 1024, "heap grew by " + grown + " bytes");
        assertEquals(List.of(), watch.eventLoopWarnings());
    }

    @Test
    void jsonPatchOfMoreThanTenThousandOperationsIsTooLarge() throws Exception {
        cluster.client().configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("many-ops").endMetadata().build()).create();
        StringBuilder ops = new StringBuilder("[");
        for (int i = 0; i <= 10_000; i++) {
            ops.append(i == 0 ? "" : ",").append("{\"op\":\"test\",\"path\":\"/kind\",\"value\":\"ConfigMap\"}");
        }
        RawHttps.Response answer = user.send("PATCH", CM + "/many-ops", "application/json-patch+json",
                ops.append(']').toString());
        assertEquals(413, answer.code(), answer.body());
        assertTrue(answer.body().contains("The allowed maximum operations in a JSON patch is 10000, got 10001"),
                answer.body());
    }

    @Test
    void bodiesOverThreeMebibytesAreRefusedOnEveryWritePath() throws Exception {
        String big = "{\"metadata\":{\"name\":\"big\"},\"data\":{\"k\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}}";
        for (String method : List.of("POST", "PUT", "PATCH")) {
            String path = method.equals("POST") ? CM : CM + "/big";
            String type = method.equals("PATCH") ? "application/merge-patch+json" : "application/json";
            RawHttps.Response answer = user.send(method, path, type, big);
            assertEquals(413, answer.code(), method + ": " + answer.body());
            assertTrue(answer.body().contains("Request entity too large: limit is 3145728"), answer.body());
        }
        RawHttps.Response status = user.send("PUT", "/api/v1/namespaces/default/pods/p/status", "application/json",
                big);
        assertEquals(413, status.code(), status.body());
    }

    @Test
    void aClientThatReadsOnlyAfterSendingGetsThe413() {
        // the JDK HTTP client under fabric8 reads its answer once its body is sent: a connection closed before that
        // was a connection error after fabric8's retries, never the 413
        var big = new ConfigMapBuilder().withNewMetadata().withName("too-big").endMetadata()
                .addToData("k", "x".repeat(4 << 20)).build();
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> cluster.client().configMaps().inNamespace("default").resource(big).create());
        assertEquals(413, e.getCode(), String.valueOf(e.getStatus()));
        assertEquals("RequestEntityTooLarge", e.getStatus().getReason());
        assertEquals(null, cluster.client().configMaps().inNamespace("default").withName("too-big").get());
    }

    @Test
    void mutatingRequestsOverTheLimitGet429WithRetryAfterButMastersAreServed() throws Exception {
        Held held = holdTheMutatingSlot();
        try (SSLSocket slow = held.socket()) {
            RawHttps.Response refused = held.refused();
            assertEquals(429, refused.code(), refused.body());
            assertEquals("1", refused.header("Retry-After"));
            assertEquals("Too many requests, please try again later.", refused.body().trim());
            RawHttps.Response master = admin.send("POST", CM, "application/json",
                    "{\"metadata\":{\"name\":\"by-master\"}}");
            assertEquals(201, master.code(), master.body());
            RawHttps.Response read = user.send("GET", CM + "/by-master", null, null);
            assertEquals(200, read.code(), read.body());

            // the held request is answered 504 when the request timeout passes, and its slot is free again
            slow.setSoTimeout(120_000);
            RawHttps.Response timedOut = RawHttps.read(slow.getInputStream());
            assertEquals(504, timedOut.code(), timedOut.body());
            assertTrue(timedOut.body().contains("\"reason\":\"Timeout\""), timedOut.body());
            assertTrue(timedOut.body().contains("Timeout: request did not complete within requested timeout"),
                    timedOut.body());
        }
        RawHttps.Response after = user.send("POST", CM, "application/json", "{\"metadata\":{\"name\":\"after\"}}");
        assertEquals(201, after.code(), after.body());
        assertEquals(List.of(), watch.eventLoopWarnings());
    }

    record Held(SSLSocket socket, RawHttps.Response refused) {
    }

    /**
     * A create whose body never finishes holds the only mutating slot; probes are sent until one is refused (a probe
     * may be admitted before the held request, and the held one refused instead: then it is sent again).
     */
    private static Held holdTheMutatingSlot() throws Exception {
        SSLSocket slow = null;
        for (int i = 0; i < 100; i++) {
            if (slow == null) {
                slow = user.connect();
                OutputStream out = slow.getOutputStream();
                out.write(RawHttps.head("POST", CM, "application/json", 1000));
                out.write("{\"metadata\":".getBytes());
                out.flush();
            }
            RawHttps.Response probe = user.send("POST", CM, "application/json",
                    "{\"metadata\":{\"name\":\"probe-" + i + "\"}}");
            if (probe.code() == 429) {
                return new Held(slow, probe);
            }
            slow.setSoTimeout(200);
            try {
                slow.getInputStream().read();
                slow.close();
                slow = null;
            } catch (java.net.SocketTimeoutException stillHeld) {
                // held and admitted: the next probe finds the slot taken
            }
        }
        throw new AssertionError("no probe was refused while a request held the only mutating slot");
    }

}
