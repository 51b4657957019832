package dev.keelson.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keelson.dns.ClusterZone;
import dev.keelson.dns.DnsAnswerer;
import dev.keelson.dns.DnsMetrics;
import dev.keelson.dns.DnsServer;
import dev.keelson.e2e.support.HostProxyRules;
import dev.keelson.e2e.support.KeelsonServerProcess;
import dev.keelson.e2e.support.Kubectl;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/**
 * Cluster DNS on a real `keelson server` (Docker, iptables, kubectl): a client pod finds a Service by its short name
 * through the search path and by its full name, reaches it over HTTP by name, finds a headless Service's pod by
 * hostname.subdomain, and resolves a name outside the cluster through the upstream, a DNS server this test runs on
 * loopback (no query leaves the host).
 */
class ClusterDnsTest {
    static Vertx vertx;
    static DnsServer upstream;
    static KeelsonServerProcess server;
    static String nginxIp;
    static String web0Ip;

    static final String APP = """
            apiVersion: v1
            kind: Pod
            metadata: {name: backend, labels: {app: backend}}
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - {name: nginx, image: nginx:1.22, imagePullPolicy: IfNotPresent}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: nginx}
            spec:
              selector: {app: backend}
              ports: [{name: http, port: 80}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: web-0, labels: {app: web}}
            spec:
              hostname: web-0
              subdomain: web
              terminationGracePeriodSeconds: 0
              containers:
              - {name: nginx, image: nginx:1.22, imagePullPolicy: IfNotPresent}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              clusterIP: None
              selector: {app: web}
              ports: [{name: http, port: 80}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: client}
            spec:
              terminationGracePeriodSeconds: 0
              hostAliases: [{ip: 192.0.2.9, hostnames: [legacy.internal]}]
              containers:
              - {name: c, image: busybox:1.35, imagePullPolicy: IfNotPresent, command: [sleep, '3600']}
            """;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        ClusterZone outside = ClusterZone.build("example.test", 60, List.of(new ServiceBuilder().withNewMetadata()
                .withNamespace("ext").withName("www").endMetadata().withNewSpec().withClusterIP("192.0.2.200").endSpec()
                .build()), List.of(), List.of());
        // names outside its zone (the pods' search suffixes) are NXDOMAIN, as a recursive resolver would answer them
        upstream = new DnsServer(vertx, new DnsAnswerer(() -> outside, (q, tcp) -> {
            Message nx = new Message(q.getHeader().getID());
            nx.getHeader().setFlag(Flags.QR);
            nx.getHeader().setRcode(Rcode.NXDOMAIN);
            nx.addRecord(q.getQuestion(), Section.QUESTION);
            return CompletableFuture.completedFuture(nx);
        }, new DnsMetrics())).listen("127.0.0.1", 0).await(10, TimeUnit.SECONDS);
        Path resolvConf = Files.createTempFile("keelson-e2e-resolv", ".conf");
        Files.writeString(resolvConf, "nameserver 192.0.2.1\nsearch corp.test\n");
        server = KeelsonServerProcess.start("keelson-e2e-dns", "10.249.0.0/16", false, List.of(
                "--dns-upstream", "127.0.0.1:" + upstream.port(), "--resolv-conf", resolvConf.toString()));
        Kubectl.Result r = server.kubectl(APP, "apply", "-f", "-");
        assertEquals(0, r.code(), r.toString());
        Kubectl.Result ready = server.kubectl(null, "wait", "--for=condition=Ready", "pod/backend", "pod/web-0",
                "pod/client", "--timeout=120s");
        assertEquals(0, ready.code(), ready + "\n" + server.logTail());
        nginxIp = server.kubectl(null, "get", "svc", "nginx", "-o", "jsonpath={.spec.clusterIP}").out();
        web0Ip = server.kubectl(null, "get", "pod", "web-0", "-o", "jsonpath={.status.podIP}").out();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        HostProxyRules.cleanUp();
        if (upstream != null) {
            upstream.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }

    /**
     * Runs a command in the client pod until its output contains {@code expected}, whatever its exit code: busybox's
     * nslookup of a short name asks every search suffix and exits 1 when any of them is NXDOMAIN.
     */
    private static String execUntil(String expected, String... command) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Kubectl.Result r;
        List<String> args = new java.util.ArrayList<>(List.of("exec", "client", "--"));
        args.addAll(List.of(command));
        do {
            r = server.kubectl(null, args.toArray(String[]::new));
            if (r.out().contains(expected)) {
                return r.out();
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(String.join(" ", command) + ": no '" + expected + "' within 60 s; last: " + r);
    }

    @Test
    void kubeDnsServiceIsThere() {
        Kubectl.Result r = server.kubectl(null, "get", "svc", "-n", "kube-system", "kube-dns", "-o",
                "jsonpath={.spec.clusterIP} {.spec.internalTrafficPolicy}");
        assertEquals("10.96.0.10 Local", r.out(), r.toString());
    }

    @Test
    void podResolvConfIsTheClusterOneWithTheHostSearchDomains() throws Exception {
        assertEquals("search default.svc.cluster.local svc.cluster.local cluster.local corp.test\n"
                + "nameserver 10.96.0.10\noptions ndots:5", execUntil("nameserver", "cat", "/etc/resolv.conf"));
    }

    @Test
    void podHostsFileIsKubeletManaged() throws Exception {
        String hosts = execUntil("Kubernetes-managed", "cat", "/etc/hosts");
        assertTrue(hosts.startsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"), hosts);
        assertTrue(hosts.contains("\tclient\n"), hosts);
        assertTrue(hosts.endsWith("# Entries added by HostAliases.\n192.0.2.9\tlegacy.internal"), hosts);
    }

    @Test
    void serviceShortNameResolvesThroughTheSearchPath() throws Exception {
        execUntil("Address: " + nginxIp, "nslookup", "nginx");
    }

    @Test
    void serviceFullNameResolves() throws Exception {
        execUntil("Address: " + nginxIp, "nslookup", "nginx.default.svc.cluster.local");
    }

    /**
     * The client resolves the backend's name and calls the address it got over HTTP with nc. Two steps because the
     * airgap busybox is statically linked and its wget crashes (SIGSEGV, even on an address), while its nslookup has
     * a resolver of its own.
     */
    @Test
    void twoTierAppReachesTheBackendAtTheAddressItsNameResolvesTo() throws Exception {
        execUntil("Welcome to nginx", "sh", "-c", "addr=$(nslookup -type=a nginx | awk '/^Address: /{print $2}' | head -1);"
                + " [ -n \"$addr\" ] && printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $addr 80");
    }

    @Test
    void headlessServicePodResolvesByHostnameAndSubdomain() throws Exception {
        execUntil("Address: " + web0Ip, "nslookup", "web-0.web.default.svc.cluster.local");
        execUntil("Welcome to nginx", "sh", "-c", "addr=$(nslookup -type=a web-0.web.default.svc.cluster.local | awk '/^Address: /{print $2}' | head -1);"
                + " [ -n \"$addr\" ] && printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 $addr 80");
    }

    @Test
    void nameOutsideTheClusterResolvesThroughTheUpstream() throws Exception {
        execUntil("Address: 192.0.2.200", "nslookup", "www.ext.svc.example.test.");
    }
}
