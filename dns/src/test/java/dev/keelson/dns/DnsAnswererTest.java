package dev.keelson.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** The answers of the cluster zone against the "Kubernetes DNS-Based Service Discovery" specification, record by record. */
class DnsAnswererTest {
    private static final java.net.InetAddress TEST_NET = ClusterZone.literal("192.0.2.1");
    private final List<Message> forwarded = new ArrayList<>();

    private static Service clusterIp(String ns, String name, String ip) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withClusterIP(ip).withClusterIPs(ip)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .addNewPort().withProtocol("UDP").withPort(9999).endPort()
                .endSpec().build();
    }

    private static Service headless(String ns, String name) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withClusterIP("None").withClusterIPs("None")
                .addNewPort().withName("web").withProtocol("TCP").withPort(80).endPort().endSpec().build();
    }

    private static EndpointSlice slice(String ns, String service, String[][] endpoints) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns)
                .withName(service + "-abc").addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").addNewPort().withName("web").withProtocol("TCP").withPort(8080).endPort();
        for (String[] e : endpoints) {
            b.addNewEndpoint().withAddresses(e[0]).withHostname(e[1])
                    .withNewConditions().withReady(Boolean.parseBoolean(e[2])).endConditions().endEndpoint();
        }
        return b.build();
    }

    private static Pod pod(String ns, String name, String ip) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewStatus().withPodIP(ip).addNewPodIP(ip).endStatus().build();
    }

    private ClusterZone zone() {
        Service external = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("ext").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("db.example.org").endSpec().build();
        return ClusterZone.build("cluster.local", 30,
                List.of(clusterIp("default", "nginx", "10.96.0.20"), headless("default", "web"),
                        headless("default", "empty"), external),
                List.of(slice("default", "web", new String[][] {
                        {"10.244.0.5", "web-0", "true"}, {"10.244.0.6", "web-1", "true"},
                        {"10.244.0.7", null, "true"}, {"10.244.0.8", "web-3", "false"}}),
                        slice("default", "empty", new String[][] {{"10.244.0.9", "x", "false"}})),
                List.of(pod("default", "client", "10.244.0.11")));
    }

    private Message ask(String name, int type) throws Exception {
        return ask(zone(), Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)), false);
    }

    private Message ask(ClusterZone z, Message query, boolean tcp) throws Exception {
        DnsAnswerer answerer = new DnsAnswerer(() -> z, (q, t) -> {
            forwarded.add(q);
            Message m = new Message(q.getHeader().getID());
            m.getHeader().setFlag(Flags.QR);
            m.addRecord(q.getQuestion(), Section.QUESTION);
            m.addRecord(new ARecord(q.getQuestion().getName(), DClass.IN, 60, TEST_NET),
                    Section.ANSWER);
            return CompletableFuture.completedFuture(m);
        }, new DnsMetrics());
        byte[] out = answerer.handle(query.toWire(), tcp).toCompletableFuture().get();
        return out == null ? null : new Message(out);
    }

    private static Set<String> rdata(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void clusterIpServiceHasAnARecordAuthoritatively() throws Exception {
        Message m = ask("nginx.default.svc.cluster.local.", Type.A);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(m.getHeader().getFlag(Flags.AA));
        assertEquals(Set.of("10.96.0.20"), rdata(m));
        assertEquals(30, m.getSection(Section.ANSWER).get(0).getTTL());
    }

    @Test
    void namesAreMatchedWithoutRegardToCase() throws Exception {
        assertEquals(Set.of("10.96.0.20"), rdata(ask("NGINX.Default.SVC.cluster.LOCAL.", Type.A)));
    }

    @Test
    void anExistingNameWithoutTheTypeIsNoDataWithTheSoa() throws Exception {
        Message m = ask("nginx.default.svc.cluster.local.", Type.AAAA);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(m.getSection(Section.ANSWER).isEmpty());
        assertTrue(m.getSection(Section.AUTHORITY).get(0) instanceof SOARecord);
    }

    @Test
    void emptyNonTerminalsAreNoDataAndUnknownNamesNxdomain() throws Exception {
        assertEquals(Rcode.NOERROR, ask("default.svc.cluster.local.", Type.A).getRcode());
        assertEquals(Rcode.NOERROR, ask("svc.cluster.local.", Type.A).getRcode());
        Message missing = ask("nothere.default.svc.cluster.local.", Type.A);
        assertEquals(Rcode.NXDOMAIN, missing.getRcode());
        assertTrue(missing.getHeader().getFlag(Flags.AA));
        assertTrue(missing.getSection(Section.AUTHORITY).get(0) instanceof SOARecord);
        assertEquals(Rcode.NXDOMAIN, ask("nginx.other.svc.cluster.local.", Type.A).getRcode());
        assertTrue(forwarded.isEmpty(), "names of the cluster domain are never forwarded");
    }

    @Test
    void srvRecordsOnlyForNamedPorts() throws Exception {
        Message m = ask("_http._tcp.nginx.default.svc.cluster.local.", Type.SRV);
        SRVRecord srv = (SRVRecord) m.getSection(Section.ANSWER).get(0);
        assertEquals(80, srv.getPort());
        assertEquals(Name.fromString("nginx.default.svc.cluster.local."), srv.getTarget());
        assertEquals(Set.of("10.96.0.20"), m.getSection(Section.ADDITIONAL).stream()
                .filter(r -> r.getType() == Type.A).map(Record::rdataToString).collect(Collectors.toSet()));
        assertEquals(Rcode.NXDOMAIN, ask("_udp.nginx.default.svc.cluster.local.", Type.SRV).getRcode());
    }

    @Test
    void ptrOfAClusterIpNamesTheService() throws Exception {
        Message m = ask("20.0.96.10.in-addr.arpa.", Type.PTR);
        assertTrue(m.getHeader().getFlag(Flags.AA));
        assertEquals(Name.fromString("nginx.default.svc.cluster.local."),
                ((PTRRecord) m.getSection(Section.ANSWER).get(0)).getTarget());
    }

    @Test
    void headlessServiceAnswersItsReadyEndpoints() throws Exception {
        assertEquals(Set.of("10.244.0.5", "10.244.0.6", "10.244.0.7"), rdata(ask("web.default.svc.cluster.local.", Type.A)));
        assertEquals(Set.of("10.244.0.5"), rdata(ask("web-0.web.default.svc.cluster.local.", Type.A)));
        assertEquals(Rcode.NXDOMAIN, ask("web-3.web.default.svc.cluster.local.", Type.A).getRcode(),
                "a not-ready endpoint has no record");
        assertEquals(Set.of("10.244.0.7"), rdata(ask("10-244-0-7.web.default.svc.cluster.local.", Type.A)),
                "an endpoint without hostname is named by its address");
    }

    @Test
    void headlessServiceWithoutReadyEndpointsIsNxdomain() throws Exception {
        assertEquals(Rcode.NXDOMAIN, ask("empty.default.svc.cluster.local.", Type.A).getRcode());
    }

    @Test
    void headlessSrvHasOneRecordPerReadyEndpointWithTheEndpointPort() throws Exception {
        Message m = ask("_web._tcp.web.default.svc.cluster.local.", Type.SRV);
        Set<String> targets = m.getSection(Section.ANSWER).stream()
                .map(r -> ((SRVRecord) r).getTarget().toString() + ":" + ((SRVRecord) r).getPort())
                .collect(Collectors.toSet());
        assertEquals(Set.of("web-0.web.default.svc.cluster.local.:8080", "web-1.web.default.svc.cluster.local.:8080",
                "10-244-0-7.web.default.svc.cluster.local.:8080"), targets);
        assertEquals(3, m.getSection(Section.ADDITIONAL).stream().filter(r -> r.getType() == Type.A).count());
    }

    @Test
    void ptrOfAHeadlessEndpointNamesItsHostname() throws Exception {
        assertEquals(Set.of("web-1.web.default.svc.cluster.local."), rdata(ask("6.0.244.10.in-addr.arpa.", Type.PTR)));
    }

    @Test
    void externalNameIsACnameFollowedByTheUpstreamAnswer() throws Exception {
        Message cname = ask("ext.default.svc.cluster.local.", Type.CNAME);
        assertEquals(Name.fromString("db.example.org."), ((CNAMERecord) cname.getSection(Section.ANSWER).get(0)).getTarget());
        assertTrue(forwarded.isEmpty());
        Message a = ask("ext.default.svc.cluster.local.", Type.A);
        assertTrue(a.getSection(Section.ANSWER).get(0) instanceof CNAMERecord);
        assertEquals("192.0.2.1", a.getSection(Section.ANSWER).get(1).rdataToString());
        assertEquals(Name.fromString("db.example.org."), forwarded.get(0).getQuestion().getName());
    }

    @Test
    void podsHaveDashedAddressRecordsInTheirNamespace() throws Exception {
        assertEquals(Set.of("10.244.0.11"), rdata(ask("10-244-0-11.default.pod.cluster.local.", Type.A)));
        assertEquals(Rcode.NXDOMAIN, ask("10-244-0-11.other.pod.cluster.local.", Type.A).getRcode());
        assertEquals(Rcode.NXDOMAIN, ask("10-244-0-99.default.pod.cluster.local.", Type.A).getRcode());
    }

    @Test
    void schemaVersionIsPublished() throws Exception {
        Message m = ask("dns-version.cluster.local.", Type.TXT);
        assertEquals(List.of("1.1.0"), ((TXTRecord) m.getSection(Section.ANSWER).get(0)).getStrings());
    }

    @Test
    void namesOutsideTheClusterAreForwarded() throws Exception {
        Message m = ask("example.org.", Type.A);
        assertEquals("192.0.2.1", m.getSection(Section.ANSWER).get(0).rdataToString());
        assertFalse(m.getHeader().getFlag(Flags.AA));
        assertEquals(1, forwarded.size());
        assertEquals(1, ask("1.2.0.192.in-addr.arpa.", Type.PTR).getSection(Section.ANSWER).size(),
                "reverse names of addresses the cluster does not own go upstream");
    }

    @Test
    void anUnknownTypeOfAClusterNameIsNoData() throws Exception {
        Message m = ask("nginx.default.svc.cluster.local.", 65280);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(m.getSection(Section.ANSWER).isEmpty());
    }

    @Test
    void otherClassesAndZoneTransfersAreRefused() throws Exception {
        Message chaos = Message.newQuery(Record.newRecord(Name.fromString("version.bind."), Type.TXT, DClass.CH));
        assertEquals(Rcode.REFUSED, ask(zone(), chaos, false).getRcode());
        assertEquals(Rcode.REFUSED, ask("cluster.local.", Type.AXFR).getRcode());
        assertTrue(forwarded.isEmpty());
    }

    @Test
    void otherOpcodesAreNotImplemented() throws Exception {
        Message notify = Message.newQuery(Record.newRecord(Name.fromString("cluster.local."), Type.SOA, DClass.IN));
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        Message m = ask(zone(), notify, false);
        assertEquals(Rcode.NOTIMP, m.getRcode());
        assertEquals(notify.getHeader().getID(), m.getHeader().getID());
    }

    @Test
    void garbageIsFormerrAndResponsesOrRuntsAreDropped() throws Exception {
        DnsAnswerer answerer = new DnsAnswerer(this::zone, (q, t) -> CompletableFuture.failedFuture(new Exception()),
                new DnsMetrics());
        byte[] garbage = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3f, 'a'};
        Message m = new Message(answerer.handle(garbage, false).toCompletableFuture().get());
        assertEquals(Rcode.FORMERR, m.getRcode());
        assertEquals(0x1234, m.getHeader().getID());
        assertNull(answerer.handle(new byte[5], false).toCompletableFuture().get());
        byte[] response = Message.newQuery(Record.newRecord(Name.fromString("a."), Type.A, DClass.IN)).toWire();
        response[2] |= (byte) 0x80;
        assertNull(answerer.handle(response, false).toCompletableFuture().get());
    }

    @Test
    void anUpstreamFailureIsServfail() throws Exception {
        DnsAnswerer answerer = new DnsAnswerer(this::zone, (q, t) -> CompletableFuture.failedFuture(new Exception("down")),
                new DnsMetrics());
        byte[] q = Message.newQuery(Record.newRecord(Name.fromString("example.org."), Type.A, DClass.IN)).toWire();
        assertEquals(Rcode.SERVFAIL, new Message(answerer.handle(q, false).toCompletableFuture().get()).getRcode());
    }

    private static ClusterZone headlessWith(int endpoints) {
        String[][] many = new String[endpoints][];
        for (int i = 0; i < many.length; i++) {
            many[i] = new String[] {"10.244.1." + (i + 1), "h" + i, "true"};
        }
        return ClusterZone.build("cluster.local", 30, List.of(headless("default", "big")),
                List.of(slice("default", "big", many)), List.of());
    }

    @Test
    void largeAnswersAreTruncatedOverUdpAndWholeOverTcp() throws Exception {
        Message query = Message.newQuery(Record.newRecord(Name.fromString("big.default.svc.cluster.local."), Type.A, DClass.IN));
        ClusterZone fifty = headlessWith(50);
        Message udp = ask(fifty, query, false);
        assertTrue(udp.getHeader().getFlag(Flags.TC), "50 A records do not fit in 512 bytes");
        assertTrue(udp.numBytes() <= 512);
        Message edns = query.clone();
        edns.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        Message fits = ask(fifty, edns, false);
        assertFalse(fits.getHeader().getFlag(Flags.TC), "they fit in the client's EDNS buffer");
        assertEquals(50, fits.getSection(Section.ANSWER).size());
        assertEquals(0, fits.getOPT().getVersion());
        ClusterZone hundred = headlessWith(100);
        Message capped = ask(hundred, edns, false);
        assertTrue(capped.getHeader().getFlag(Flags.TC), "the EDNS buffer is capped at 1232 bytes");
        assertTrue(capped.numBytes() <= 1232);
        Message tcp = ask(hundred, query, true);
        assertFalse(tcp.getHeader().getFlag(Flags.TC));
        assertEquals(100, tcp.getSection(Section.ANSWER).size());
    }

    @Test
    void anotherEdnsVersionIsBadvers() throws Exception {
        Message query = Message.newQuery(Record.newRecord(Name.fromString("nginx.default.svc.cluster.local."), Type.A, DClass.IN));
        query.addRecord(new OPTRecord(1232, 0, 1), Section.ADDITIONAL);
        assertEquals(Rcode.BADVERS, ask(zone(), query, false).getRcode());
    }
}
