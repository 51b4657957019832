package dev.keelson.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.apiserver.testing.TestCluster;
import dev.keelson.componentbase.VertxHolder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The DNS server answering from a real apiserver's objects (real etcd), following their changes. */
class ClusterDnsIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static TestCluster cluster;
    private static KubernetesClient client;
    private static ClusterDns dns;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start();
        client = cluster.client();
        Path resolvConf = Files.createTempFile("resolv", ".conf");
        Files.writeString(resolvConf, "search example.org\n");
        dns = new ClusterDns(client, VertxHolder.get(), ClusterDns.Options.defaults("node-a")
                .withResolvConf(resolvConf).withListen("127.0.0.1", 0, -1)).start();
    }

    @AfterAll
    static void stop() {
        dns.close();
        cluster.close();
    }

    private static Message ask(String name, int type) throws Exception {
        SimpleResolver r = new SimpleResolver(InetAddress.getLoopbackAddress());
        r.setPort(dns.port());
        r.setTimeout(Duration.ofSeconds(5));
        return r.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private static Set<String> answers(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Polls until the answer matches; the last answer seen is in the failure message. */
    private static Message await(String name, int type, Predicate<Message> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Message last;
        do {
            last = ask(name, type);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no expected answer for " + name + " within " + WAIT + "; last: " + last);
    }

    @Test
    void aNewServiceResolvesToItsClusterIpAndGoesAwayWhenDeleted() throws Exception {
        Service svc = client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata()
                .withName("backend").endMetadata().withNewSpec().addNewPort().withName("http").withPort(80).endPort()
                .addToSelector("app", "backend").endSpec().build()).create();
        String ip = svc.getSpec().getClusterIP();
        Message m = await("backend.default.svc.cluster.local.", Type.A, a -> answers(a).equals(Set.of(ip)));
        assertEquals(Rcode.NOERROR, m.getRcode());
        Message srv = await("_http._tcp.backend.default.svc.cluster.local.", Type.SRV, a -> !answers(a).isEmpty());
        assertEquals(Set.of("0 100 80 backend.default.svc.cluster.local."), answers(srv));
        String[] o = ip.split("\\.");
        assertEquals(Set.of("backend.default.svc.cluster.local."),
                answers(ask(o[3] + "." + o[2] + "." + o[1] + "." + o[0] + ".in-addr.arpa.", Type.PTR)));
        client.services().inNamespace("default").withName("backend").delete();
        await("backend.default.svc.cluster.local.", Type.A, a -> a.getRcode() == Rcode.NXDOMAIN);
    }

    @Test
    void aHeadlessServiceFollowsItsReadyEndpoints() throws Exception {
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("db")
                .endMetadata().withNewSpec().withClusterIP("None").addNewPort().withName("pg").withPort(5432).endPort()
                .addToSelector("app", "db").endSpec().build()).create();
        assertEquals(Rcode.NXDOMAIN, ask("db.default.svc.cluster.local.", Type.A).getRcode(),
                "no ready endpoints yet");
        EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withName("db-1")
                .addToLabels("kubernetes.io/service-name", "db").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("pg").withProtocol("TCP").withPort(5432).endPort()
                .addNewEndpoint().withAddresses("10.244.3.4").withHostname("db-0")
                .withNewConditions().withReady(true).endConditions().endEndpoint()
                .addNewEndpoint().withAddresses("10.244.3.5").withHostname("db-1")
                .withNewConditions().withReady(false).endConditions().endEndpoint().build();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice).create();
        await("db.default.svc.cluster.local.", Type.A, a -> answers(a).equals(Set.of("10.244.3.4")));
        assertEquals(Set.of("10.244.3.4"), answers(ask("db-0.db.default.svc.cluster.local.", Type.A)));
        assertEquals(Set.of("0 100 5432 db-0.db.default.svc.cluster.local."),
                answers(ask("_pg._tcp.db.default.svc.cluster.local.", Type.SRV)));
        slice.getEndpoints().get(1).getConditions().setReady(true);
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice).update();
        await("db-1.db.default.svc.cluster.local.", Type.A, a -> answers(a).equals(Set.of("10.244.3.5")));
    }

    @Test
    void kubeDnsServiceAndOneEndpointPerNodeAtItsPodGateway() throws Exception {
        try (KubeDnsService kubeDns = new KubeDnsService(client, "10.96.0.10", 53, 9153).start()) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-a").endMetadata()
                    .withNewSpec().withPodCIDR("10.244.7.0/24").endSpec().build()).create();
            long deadline = System.nanoTime() + WAIT.toNanos();
            List<EndpointSlice> slices = List.of();
            while (System.nanoTime() < deadline && slices.isEmpty()) {
                slices = client.discovery().v1().endpointSlices().inNamespace("kube-system")
                        .withLabel("kubernetes.io/service-name", "kube-dns").list().getItems();
                Thread.sleep(100);
            }
            assertEquals(1, slices.size(), "one slice for the one node");
            assertEquals(List.of("10.244.7.1"), slices.get(0).getEndpoints().get(0).getAddresses());
            assertEquals("node-a", slices.get(0).getEndpoints().get(0).getNodeName());
            Service svc = client.services().inNamespace("kube-system").withName("kube-dns").get();
            assertEquals("10.96.0.10", svc.getSpec().getClusterIP());
            assertEquals("Local", svc.getSpec().getInternalTrafficPolicy());
            assertTrue(svc.getSpec().getPorts().stream().anyMatch(p -> p.getName().equals("dns") && p.getProtocol().equals("UDP")));
            await("kube-dns.kube-system.svc.cluster.local.", Type.A, a -> answers(a).equals(Set.of("10.96.0.10")));
            client.nodes().withName("node-a").delete();
            deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline && !slices.isEmpty()) {
                slices = client.discovery().v1().endpointSlices().inNamespace("kube-system")
                        .withLabel("kubernetes.io/service-name", "kube-dns").list().getItems();
                Thread.sleep(100);
            }
            assertTrue(slices.isEmpty(), "the slice of a deleted node is deleted");
        }
    }
}
