package dev.keelson.apiserver.attacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.ServingLimits;
import dev.keelson.apiserver.testing.BlockedThreadWatch;
import dev.keelson.apiserver.testing.RawHttps;
import dev.keelson.apiserver.testing.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Connection-level attacks: slowloris headers, piles of idle unauthenticated TLS connections, handshakes never
 * begun. Each must end with the attacker's sockets closed by the server while an admin client is served throughout,
 * and no event loop blocked.
 */
class ConnectionAttackTest {

    /** Is {@code s} closed by the server? Reads with a short timeout: -1 or a reset means closed. */
    private static boolean closedByServer(Socket s) {
        try {
            s.setSoTimeout(50);
            InputStream in = s.getInputStream();
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static List<SSLSocket> connectMany(RawHttps client, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<SSLSocket>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(pool.submit(client::connect));
            }
            List<SSLSocket> sockets = new ArrayList<>();
            for (Future<SSLSocket> f : futures) {
                try {
                    sockets.add(f.get(120, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException refused) {
                    // closed during the handshake: the server shed it
                }
            }
            return sockets;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Admin GETs in a loop on their own thread until stopped; every answer code is kept. */
    static final class AdminLoad implements AutoCloseable {
        final List<Integer> codes = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger failures = new AtomicInteger();
        private volatile boolean stop;
        private final Thread thread;

        AdminLoad(RawHttps admin) {
            thread = new Thread(() -> {
                while (!stop) {
                    try {
                        codes.add(admin.send("GET", "/api/v1/namespaces/default", null, null).code());
                    } catch (IOException e) {
                        failures.incrementAndGet();
                    }
                }
            });
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(60_000);
        }
    }

    @Test
    void slowlorisConnectionsAreClosedByTheHeaderTimeoutWhileAnAdminIsServed() throws Exception {
        ServingLimits limits = ServingLimits.defaults().withConnections(Duration.ofSeconds(8), Duration.ofMinutes(10),
                Duration.ofSeconds(10), 10_000, 5_000);
        try (BlockedThreadWatch watch = new BlockedThreadWatch(BlockedThreadWatch.TEST_LIMIT_MS);
             TestCluster cluster = TestCluster.start(watch.vertx(), o -> o.withLimits(limits))) {
            RawHttps anonymous = new RawHttps(cluster, null);
            RawHttps admin = new RawHttps(cluster, cluster.apiServer().certificateAuthority().issueClient("admin",
                    List.of("system:masters"), Duration.ofHours(1)));
            byte[] header = "GET /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
                    .concat("a".repeat(200)).getBytes(StandardCharsets.US_ASCII);
            List<SSLSocket> lorises = connectMany(anonymous, 1000);
            assertEquals(1000, lorises.size(), "connections accepted");
            watch.clear();
            int[] sent = new int[lorises.size()];
            List<Socket> open = new ArrayList<>(lorises);
            try (AdminLoad load = new AdminLoad(admin)) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                while (!open.isEmpty() && System.nanoTime() < deadline) {
                    for (int i = 0; i < lorises.size(); i++) {
                        SSLSocket s = lorises.get(i);
                        if (!open.contains(s)) {
                            continue;
                        }
                        try {
                            s.getOutputStream().write(header, sent[i]++ % header.length, 1);
                            s.getOutputStream().flush();
                        } catch (IOException closed) {
                            open.remove(s);
                        }
                    }
                    open.removeIf(ConnectionAttackTest::closedByServer);
                    Thread.sleep(5_000);
                }
                load.close();
                assertEquals(List.of(), open.stream().map(Object::toString).toList(), "slowloris connections open");
                assertFalse(load.codes.isEmpty(), "the admin was never answered");
                assertTrue(load.codes.stream().allMatch(c -> c == 200), "admin answers: " + load.codes);
                assertEquals(0, load.failures.get(), "admin requests that failed");
            } finally {
                for (Socket s : lorises) {
                    s.close();
                }
            }
            assertEquals(List.of(), watch.eventLoopWarnings());
        }
    }

    @Test
    void idleUnauthenticatedTlsConnectionsAreBoundedPerAddressAndClosedWhenIdle() throws Exception {
        ServingLimits limits = ServingLimits.defaults().withConnections(Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(2), 10_000, 50);
        try (TestCluster cluster = TestCluster.start(o -> o.withLimits(limits))) {
            RawHttps anonymous = new RawHttps(cluster, null);
            RawHttps admin = new RawHttps(cluster, cluster.apiServer().certificateAuthority().issueClient("admin",
                    List.of("system:masters"), Duration.ofHours(1)));
            List<SSLSocket> idle = connectMany(anonymous, 300);
            try (AdminLoad load = new AdminLoad(admin)) {
                // beyond 50 per address they are closed at once; the 50 kept are closed by the idle timeout
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                List<Socket> open = new ArrayList<>(idle);
                int openAfterShedding = -1;
                while (!open.isEmpty() && System.nanoTime() < deadline) {
                    open.removeIf(ConnectionAttackTest::closedByServer);
                    if (openAfterShedding < 0) {
                        openAfterShedding = open.size();
                    }
                    Thread.sleep(200);
                }
                load.close();
                assertTrue(openAfterShedding <= 50, openAfterShedding + " unauthenticated connections kept");
                assertEquals(0, open.size(), "idle connections still open");
                assertFalse(load.codes.isEmpty(), "the admin was never answered");
                assertTrue(load.codes.stream().allMatch(c -> c == 200), "admin answers: " + load.codes);
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            // an authenticated client on a new connection is still served (the slots were given back)
            assertEquals(200, admin.send("GET", "/api/v1/namespaces/default", null, null).code());
            assertEquals(401, anonymous.send("GET", "/api/v1/namespaces/default", null, null).code());
        }
    }

    @Test
    void aConnectionThatNeverStartsItsTlsHandshakeIsClosed() throws Exception {
        ServingLimits limits = ServingLimits.defaults().withConnections(Duration.ofSeconds(5), Duration.ofMinutes(10),
                Duration.ofSeconds(2), 10_000, 256);
        try (TestCluster cluster = TestCluster.start(o -> o.withLimits(limits));
             Socket silent = new RawHttps(cluster, null).connectTcp()) {
            silent.setSoTimeout(120_000);
            assertEquals(-1, silent.getInputStream().read(), "the server should close a silent connection");
        }
    }

    @Test
    void aWatchOutlivesTheHeaderAndIdleTimeouts() throws Exception {
        ServingLimits limits = ServingLimits.defaults().withConnections(Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(2), 10_000, 256);
        try (TestCluster cluster = TestCluster.start(o -> o.withLimits(limits))) {
            RawHttps admin = new RawHttps(cluster, cluster.apiServer().certificateAuthority().issueClient("admin",
                    List.of("system:masters"), Duration.ofHours(1)));
            try (SSLSocket watch = admin.connect()) {
                watch.getOutputStream().write(RawHttps.head("GET",
                        "/api/v1/namespaces/default/configmaps?watch=true", null, -1));
                watch.getOutputStream().flush();
                InputStream in = watch.getInputStream();
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains("\r\n\r\n")) {
                    seen.append((char) in.read());
                }
                // both timeouts pass several times over while the watch waits for its first event
                Thread.sleep(4_000);
                cluster.client().configMaps().inNamespace("default").resource(new io.fabric8.kubernetes.api.model
                        .ConfigMapBuilder().withNewMetadata().withName("late").endMetadata().build()).create();
                while (!seen.toString().contains("\"late\"")) {
                    int b = in.read();
                    assertTrue(b >= 0, "the watch was closed: " + seen);
                    seen.append((char) b);
                }
            }
        }
    }
}
