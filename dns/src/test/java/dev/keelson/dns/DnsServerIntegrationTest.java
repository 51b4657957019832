package dev.keelson.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The server on real UDP and TCP sockets on loopback, forwarding to an upstream that is another DNS server on
 * loopback started by the test (authoritative for example.org), so no query leaves the host.
 */
class DnsServerIntegrationTest {
    private static Vertx vertx;
    private static DnsServer upstreamServer;
    private static DnsMetrics upstreamMetrics;
    private static DnsServer server;
    private static UpstreamResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        String[][] many = new String[100][];
        EndpointSliceBuilder big = new EndpointSliceBuilder().withNewMetadata().withNamespace("ns").withName("big-1")
                .addToLabels("kubernetes.io/service-name", "big").endMetadata().withAddressType("IPv4");
        for (int i = 0; i < many.length; i++) {
            big.addNewEndpoint().withAddresses("192.0.2." + (i + 1)).endEndpoint();
        }
        Service www = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("www").endMetadata()
                .withNewSpec().withClusterIP("192.0.2.200").endSpec().build();
        Service bigService = new ServiceBuilder().withNewMetadata().withNamespace("ns").withName("big").endMetadata()
                .withNewSpec().withClusterIP("None").endSpec().build();
        ClusterZone upstreamZone = ClusterZone.build("example.org", 60, List.of(www, bigService),
                List.<EndpointSlice>of(big.build()), List.of());
        upstreamMetrics = new DnsMetrics();
        upstreamServer = new DnsServer(vertx, new DnsAnswerer(() -> upstreamZone,
                (q, t) -> java.util.concurrent.CompletableFuture.failedFuture(new Exception("no recursion")),
                upstreamMetrics)).listen("127.0.0.1", 0).await(10, TimeUnit.SECONDS);

        Service nginx = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("nginx").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.20").endSpec().build();
        ClusterZone cluster = ClusterZone.build("cluster.local", 30, List.of(nginx), List.of(), List.of());
        DnsMetrics metrics = new DnsMetrics();
        resolver = new UpstreamResolver(vertx, List.of(new InetSocketAddress("127.0.0.1", upstreamServer.port())),
                Duration.ofMillis(500), new ResponseCache(100), metrics).start();
        server = new DnsServer(vertx, new DnsAnswerer(() -> cluster, resolver, metrics))
                .listen("127.0.0.1", 0).await(10, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        server.close();
        resolver.close();
        upstreamServer.close();
        vertx.close();
    }

    private static Message ask(String name, int type, boolean tcp) throws Exception {
        SimpleResolver r = new SimpleResolver(InetAddress.getLoopbackAddress());
        r.setPort(server.port());
        r.setTCP(tcp);
        r.setTimeout(Duration.ofSeconds(5));
        r.setIgnoreTruncation(true);
        return r.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private static double upstreamAnswers() {
        return upstreamMetrics.registry().find("keelson_dns_responses_total").counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @Test
    void clusterNamesAnswerOverUdpAndTcp() throws Exception {
        for (boolean tcp : new boolean[] {false, true}) {
            Message m = ask("nginx.default.svc.cluster.local.", Type.A, tcp);
            assertEquals("10.96.0.20", m.getSection(Section.ANSWER).get(0).rdataToString(), "tcp=" + tcp);
            assertTrue(m.getHeader().getFlag(Flags.AA));
        }
    }

    @Test
    void otherNamesGoUpstreamOnceThenComeFromTheCache() throws Exception {
        double before = upstreamAnswers();
        Message first = ask("www.ns.svc.example.org.", Type.A, false);
        assertEquals("192.0.2.200", first.getSection(Section.ANSWER).get(0).rdataToString());
        assertEquals(before + 1, upstreamAnswers());
        Message second = ask("WWW.ns.svc.example.org.", Type.A, false);
        assertEquals("192.0.2.200", second.getSection(Section.ANSWER).get(0).rdataToString());
        assertTrue(second.getSection(Section.ANSWER).get(0).getTTL() <= 60);
        assertEquals(before + 1, upstreamAnswers(), "the second answer came from the cache");
        Message missing = ask("nope.ns.svc.example.org.", Type.A, false);
        assertEquals(Rcode.NXDOMAIN, missing.getRcode());
    }

    @Test
    void aTruncatedUpstreamAnswerIsFetchedOverTcpForATcpClient() throws Exception {
        Message udp = ask("big.ns.svc.example.org.", Type.A, false);
        assertTrue(udp.getHeader().getFlag(Flags.TC));
        Message tcp = ask("big.ns.svc.example.org.", Type.A, true);
        assertFalse(tcp.getHeader().getFlag(Flags.TC));
        assertEquals(100, tcp.getSection(Section.ANSWER).size());
    }

    @Test
    void garbageDoesNotStopTheServer() throws Exception {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            byte[][] junk = {new byte[3], new byte[700], "hello, this is not DNS at all".getBytes()};
            junk[1][2] = 0x78;
            for (byte[] j : junk) {
                s.send(new DatagramPacket(j, j.length, InetAddress.getLoopbackAddress(), server.port()));
            }
        }
        try (java.net.Socket tcp = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
            byte[] malformed = {0x00, 0x0e, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3f, 'a'};
            tcp.getOutputStream().write(malformed);
            tcp.getOutputStream().flush();
            int length = new java.io.DataInputStream(tcp.getInputStream()).readUnsignedShort();
            Message formerr = new Message(tcp.getInputStream().readNBytes(length));
            assertEquals(Rcode.FORMERR, formerr.getRcode(), "a malformed query over TCP is answered FORMERR");
            tcp.getOutputStream().write(new byte[] {0x00, 0x05, 1, 2, 3, 4, 5});
            tcp.getOutputStream().flush();
            assertEquals(-1, tcp.getInputStream().read(), "a runt closes the connection");
        }
        assertEquals("10.96.0.20", ask("nginx.default.svc.cluster.local.", Type.A, false)
                .getSection(Section.ANSWER).get(0).rdataToString());
    }

    @Test
    void anUnansweringUpstreamIsServfail() throws Exception {
        try (java.net.DatagramSocket silent = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            DnsMetrics metrics = new DnsMetrics();
            UpstreamResolver dead = new UpstreamResolver(vertx, List.of(new InetSocketAddress("127.0.0.1", silent.getLocalPort())),
                    Duration.ofMillis(200), new ResponseCache(10), metrics).start();
            ClusterZone cluster = ClusterZone.empty("cluster.local", 30);
            DnsServer s = new DnsServer(vertx, new DnsAnswerer(() -> cluster, dead, metrics))
                    .listen("127.0.0.1", 0).await(10, TimeUnit.SECONDS);
            try {
                SimpleResolver r = new SimpleResolver(InetAddress.getLoopbackAddress());
                r.setPort(s.port());
                r.setTimeout(Duration.ofSeconds(5));
                Message m = r.send(Message.newQuery(Record.newRecord(Name.fromString("example.com."), Type.A, DClass.IN)));
                assertEquals(Rcode.SERVFAIL, m.getRcode());
            } finally {
                s.close();
                dead.close();
            }
        }
    }
}
