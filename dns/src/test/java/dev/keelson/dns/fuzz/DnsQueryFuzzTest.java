package dev.keelson.dns.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keelson.dns.ClusterZone;
import dev.keelson.dns.DnsAnswerer;
import dev.keelson.dns.DnsMetrics;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Section;

/**
 * The DNS server's query path on hostile bytes: {@link DnsAnswerer#handle} with a zone of every record kind and an
 * upstream that answers or fails. Contract: a datagram is dropped only when it is shorter than a header or is a
 * response; otherwise the answer parses, carries the query's id with QR set, and fits the transport (1232 bytes
 * over UDP); never an exception. The first input byte picks UDP (even) or TCP (odd); the rest is the message.
 * Seeds: DnsQueryFuzzTestInputs/query/.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DnsQueryFuzzTest {
    private static final ClusterZone ZONE = ClusterZone.build("cluster.local", 30,
            List.of(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("nginx").endMetadata()
                            .withNewSpec().withClusterIP("10.96.0.20").addNewPort().withName("http").withPort(80)
                            .withProtocol("TCP").endPort().endSpec().build(),
                    new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                            .withNewSpec().withClusterIP("None").endSpec().build(),
                    new ServiceBuilder().withNewMetadata().withNamespace("default").withName("ext").endMetadata()
                            .withNewSpec().withType("ExternalName").withExternalName("example.org").endSpec().build()),
            List.of(new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-x")
                    .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort()
                    .addNewEndpoint().withAddresses("10.244.0.5").withHostname("web-0").endEndpoint().build()),
            List.of(new PodBuilder().withNewMetadata().withNamespace("default").withName("p").endMetadata()
                    .withNewStatus().withPodIP("10.244.0.9").endStatus().build()));

    private static final DnsAnswerer ANSWERER = new DnsAnswerer(() -> ZONE, (query, tcp) -> {
        if (query.getQuestion().getName().labels() % 2 == 0) {
            return CompletableFuture.failedFuture(new IOException("upstream down"));
        }
        Message answer = new Message(query.getHeader().getID());
        answer.getHeader().setFlag(Flags.QR);
        answer.addRecord(query.getQuestion(), Section.QUESTION);
        return CompletableFuture.completedFuture(answer);
    }, new DnsMetrics());

    @FuzzTest
    void query(byte[] input) throws Exception {
        SlowInputs.run("query", input, () -> check(input));
    }

    private static void check(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean tcp = (input[0] & 1) == 1;
        byte[] packet = Arrays.copyOfRange(input, 1, input.length);
        byte[] out;
        try {
            out = ANSWERER.handle(packet, tcp).toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the query path failed instead of answering", e);
        }
        boolean droppable = packet.length < 12 || (packet[2] & 0x80) != 0;
        if (out == null) {
            if (!droppable) {
                throw new AssertionError("a query was dropped without an answer");
            }
            return;
        }
        if (droppable) {
            throw new AssertionError("a runt or a response was answered");
        }
        if (out.length > (tcp ? 65535 : 1232)) {
            throw new AssertionError("answer of " + out.length + " bytes over " + (tcp ? "TCP" : "UDP"));
        }
        Message answer;
        try {
            answer = new Message(out);
        } catch (IOException e) {
            throw new AssertionError("the answer does not parse", e);
        }
        int id = ((packet[0] & 0xff) << 8) | (packet[1] & 0xff);
        if (answer.getHeader().getID() != id || !answer.getHeader().getFlag(Flags.QR)) {
            throw new AssertionError("answer id/QR wrong: " + answer.getHeader());
        }
    }
}
