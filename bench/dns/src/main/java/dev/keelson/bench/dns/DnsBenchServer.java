package dev.keelson.bench.dns;

import dev.keelson.dns.ClusterZone;
import dev.keelson.dns.DnsAnswerer;
import dev.keelson.dns.DnsMetrics;
import dev.keelson.dns.DnsServer;
import dev.keelson.dns.ResponseCache;
import dev.keelson.dns.UpstreamResolver;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The cluster DNS server as a node runs it (same answerer, cache and sockets), on a zone of N ClusterIP Services
 * {@code svc-I.default.svc.cluster.local -> 10.96.I/256.I%256} and one event loop, forwarding other names to the
 * upstream given. Prints {@code listening PORT}, then serves until killed. Usage: SERVICES UPSTREAM_HOST:PORT
 */
public final class DnsBenchServer {
    public static void main(String[] args) throws Exception {
        int services = Integer.parseInt(args[0]);
        String[] up = args[1].split(":");
        List<Service> list = new ArrayList<>();
        for (int i = 1; i <= services; i++) {
            list.add(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("svc-" + i).endMetadata()
                    .withNewSpec().withClusterIP("10.96." + (i / 256) + "." + (i % 256)).addNewPort().withName("http")
                    .withPort(80).endPort().endSpec().build());
        }
        ClusterZone zone = ClusterZone.build("cluster.local", 30, list, List.of(), List.of());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(false));
        DnsMetrics metrics = new DnsMetrics();
        UpstreamResolver upstream = new UpstreamResolver(vertx,
                List.of(new InetSocketAddress(up[0], Integer.parseInt(up[1]))), Duration.ofSeconds(2),
                new ResponseCache(10_000), metrics).start();
        DnsServer server = new DnsServer(vertx, new DnsAnswerer(() -> zone, upstream, metrics))
                .listen("127.0.0.1", 0).await(10, TimeUnit.SECONDS);
        System.out.println("listening " + server.port());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
