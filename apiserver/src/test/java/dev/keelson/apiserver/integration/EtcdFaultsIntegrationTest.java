package dev.keelson.apiserver.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keelson.apiserver.etcd.EmbeddedEtcd;
import dev.keelson.apiserver.storage.EtcdTls;
import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.tls.CertificateAuthority;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * etcd failing under the apiserver (issue 20): a stuck etcd gives a 504 Status, never a hang; /readyz fails at once
 * and /livez only past its threshold; an etcd killed under load is restarted by its supervisor and no write the
 * apiserver acknowledged is lost; an etcd left holding the data dir is named when the next one starts.
 */
class EtcdFaultsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration LIVENESS = Duration.ofSeconds(8);

    private static TestCluster cluster() {
        return TestCluster.start(o -> o.withEtcd(o.etcd().withRequestTimeout(REQUEST_TIMEOUT)
                .withLivenessThreshold(LIVENESS)));
    }

    @Test
    void aStuckEtcdGives504AndHealthChecksFailReadyzFirst() throws Exception {
        try (TestCluster cluster = cluster()) {
            HttpClient http = adminHttp(cluster);
            assertEquals(200, get(http, cluster, "/readyz").statusCode());
            long pid = cluster.etcd().pid();
            signal("STOP", pid);
            Instant stopped = Instant.now();
            try {
                // a write to a stopped etcd ends with kube-apiserver's Timeout Status, not a hang (the client would
                // give up after a minute and fail the test)
                HttpResponse<String> create = post(http, cluster, "/api/v1/namespaces/default/configmaps",
                        configMap("while-stuck"));
                assertEquals(504, create.statusCode(), create.body());
                JsonNode status = JSON.readTree(create.body());
                assertEquals("Status", status.path("kind").asText());
                assertEquals("Timeout", status.path("reason").asText());
                assertTrue(status.path("message").asText().startsWith("Timeout: request did not complete"),
                        create.body());
                HttpResponse<String> list = get(http, cluster, "/api/v1/namespaces/default/configmaps");
                assertEquals(504, list.statusCode(), list.body());

                HttpResponse<String> ready = get(http, cluster, "/readyz");
                assertEquals(500, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("[-]etcd failed: reason withheld"), ready.body());
                assertTrue(ready.body().endsWith("readyz check failed"), ready.body());
                // /livez fails only once etcd has been silent for the threshold (not before: no success can
                // have come after the stop)
                String live = awaitValue("/livez to fail", Duration.ofSeconds(60), () -> {
                    HttpResponse<String> r = get(http, cluster, "/livez");
                    return r.statusCode() == 500 ? r.body() : null;
                });
                assertTrue(Duration.between(stopped, Instant.now()).compareTo(LIVENESS.minusSeconds(1)) >= 0,
                        "/livez failed before etcd was silent for " + LIVENESS);
                assertTrue(live.contains("[-]etcd failed: reason withheld") && live.endsWith("livez check failed"),
                        live);
            } finally {
                signal("CONT", pid);
            }
            await("/readyz and /livez to pass again", Duration.ofSeconds(60),
                    () -> get(http, cluster, "/readyz").statusCode() == 200
                            && get(http, cluster, "/livez").statusCode() == 200);
            assertEquals("ok", get(http, cluster, "/livez").body());
        }
    }

    @Test
    void etcdKilledUnderLoadIsRestartedAndNoAcknowledgedWriteIsLost() throws Exception {
        try (TestCluster cluster = cluster()) {
            HttpClient http = adminHttp(cluster);
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Map<Integer, AtomicInteger> codes = new ConcurrentHashMap<>();
            List<String> badErrors = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger seq = new AtomicInteger();
            ExecutorService writers = Executors.newFixedThreadPool(4);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                done.add(writers.submit(() -> {
                    while (running.get()) {
                        String name = "cm-" + seq.incrementAndGet();
                        HttpResponse<String> r = post(http, cluster, "/api/v1/namespaces/default/configmaps",
                                configMap(name));
                        codes.computeIfAbsent(r.statusCode(), c -> new AtomicInteger()).incrementAndGet();
                        if (r.statusCode() == 201) {
                            acknowledged.add(name);
                        } else if (r.statusCode() < 500 || !"Status".equals(JSON.readTree(r.body()).path("kind")
                                .asText())) {
                            badErrors.add(r.statusCode() + " " + r.body());
                        }
                    }
                    return null;
                }));
            }
            try {
                await("writes before the kill", Duration.ofSeconds(60), () -> acknowledged.size() >= 50);
                int before = acknowledged.size();
                long pid = cluster.etcd().pid();
                ProcessHandle.of(pid).orElseThrow().destroyForcibly();
                await("etcd restarted by its supervisor", Duration.ofSeconds(60),
                        () -> cluster.etcd().restarts() >= 1 && cluster.etcd().pid() != pid);
                int atRestart = acknowledged.size();
                await("writes after the restart", Duration.ofSeconds(60), () -> acknowledged.size() >= atRestart + 50);
                assertTrue(atRestart >= before);
            } finally {
                running.set(false);
                for (Future<?> f : done) {
                    f.get(2, TimeUnit.MINUTES);
                }
                writers.shutdown();
            }
            assertTrue(badErrors.isEmpty(), "errors that are not a 5xx Status: " + badErrors);
            HttpResponse<String> list = get(http, cluster, "/api/v1/namespaces/default/configmaps");
            assertEquals(200, list.statusCode(), list.body());
            Set<String> stored = new HashSet<>();
            JSON.readTree(list.body()).path("items").forEach(i -> stored.add(i.path("metadata").path("name").asText()));
            Set<String> lost = new HashSet<>(acknowledged);
            lost.removeAll(stored);
            assertTrue(lost.isEmpty(), "acknowledged (201) but not stored: " + lost + " (answers: " + codes + ")");
        }
    }

    @Test
    void anEtcdLeftHoldingTheDataDirIsNamed() throws Exception {
        Path dir = Files.createTempDirectory("keelson-leftover-");
        // an etcd started by hand on the data dir, as one left behind by a crashed server would be
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        int client = EmbeddedEtcd.freePort();
        int peer = EmbeddedEtcd.freePort();
        Process leftover = new ProcessBuilder("etcd", "--name", "leftover", "--data-dir", data.toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls",
                "http://127.0.0.1:" + client, "--listen-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "leftover=http://127.0.0.1:" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("leftover.log").toFile()).start();
        try {
            await("the leftover etcd to open its database", Duration.ofSeconds(30),
                    () -> Files.exists(data.resolve("member/snap/db")));
            try (EmbeddedEtcd second = EmbeddedEtcd.start(dir, 0, 0)) {
                fail("a second etcd started on a data dir in use (pid " + second.pid() + ")");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage().contains("pid " + leftover.pid()), e.getMessage());
                assertTrue(e.getMessage().contains("etcd --name leftover --data-dir " + data), e.getMessage());
            }
        } finally {
            leftover.destroyForcibly().waitFor();
        }
    }

    private static String configMap(String name) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name
                + "\"},\"data\":{\"k\":\"v\"}}";
    }

    private static HttpClient adminHttp(TestCluster cluster) throws Exception {
        Path pki = cluster.apiServer().pkiDir();
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(pki.resolve("ca.crt"), pki.resolve("ca.key"));
        Path dir = Files.createTempDirectory("keelson-admin-");
        ca.issueClient("test-admin", List.of("system:masters"), Duration.ofHours(1))
                .write(dir.resolve("admin.crt"), dir.resolve("admin.key"));
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .sslContext(new EtcdTls(pki.resolve("ca.crt"), dir.resolve("admin.crt"), dir.resolve("admin.key"))
                        .sslContext()).build();
    }

    private static HttpResponse<String> get(HttpClient http, TestCluster cluster, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(cluster.url() + path)).timeout(Duration.ofMinutes(1))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(HttpClient http, TestCluster cluster, String path, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(cluster.url() + path)).timeout(Duration.ofMinutes(1))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    interface Probe<T> {
        T value() throws Exception;
    }

    private static void await(String what, Duration timeout, Check check) throws Exception {
        awaitValue(what, timeout, () -> check.ok() ? Boolean.TRUE : null);
    }

    private static <T> T awaitValue(String what, Duration timeout, Probe<T> probe) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        Exception last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                T v = probe.value();
                if (v != null) {
                    return v;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no " + what + " within " + timeout + (last != null ? " (last: " + last + ")" : ""));
    }
}
