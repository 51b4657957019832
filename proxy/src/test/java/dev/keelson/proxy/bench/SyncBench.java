package dev.keelson.proxy.bench;

import dev.keelson.proxy.rules.RuleSet;
import dev.keelson.proxy.rules.ServiceCatalog;
import dev.keelson.proxy.rules.ServiceRuleWriter;
import dev.keelson.proxy.system.CommandRunner;
import dev.keelson.proxy.system.Iptables;
import dev.keelson.proxy.system.RuleApplier;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, run on demand only ({@code -Dtest=SyncBench}): the proxy's full rule sync for 1,000 Services x 3
 * endpoints, the periodic resync of an intact node, and partial syncs after 1 and 30 services' endpoints moved,
 * beside their floors (a raw iptables-restore of the same rule text, and a tiny one), in the same run, inside a
 * network namespace of its own. Prints numbers; asserts nothing about time.
 */
class SyncBench {
    static final int SERVICES = 1000;
    static final int ENDPOINTS = 3;
    static final int RUNS = 7;

    static List<Service> services() {
        List<Service> services = new ArrayList<>();
        for (int i = 0; i < SERVICES; i++) {
            services.add(new ServiceBuilder().withNewMetadata().withNamespace("bench").withName("svc-" + i).endMetadata()
                    .withNewSpec().withType("ClusterIP").withClusterIP("10.100." + (i / 250) + "." + (i % 250 + 1))
                    .addNewPort().withName("http").withProtocol("TCP").withPort(80)
                    .withTargetPort(new IntOrString(8080)).endPort().endSpec().build());
        }
        return services;
    }

    static List<EndpointSlice> slices() {
        List<EndpointSlice> slices = new ArrayList<>();
        for (int i = 0; i < SERVICES; i++) {
            List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>();
            for (int e = 0; e < ENDPOINTS; e++) {
                int n = i * ENDPOINTS + e;
                endpoints.add(new EndpointBuilder().withAddresses("10.244." + (n / 250) + "." + (n % 250 + 2))
                        .withNodeName("bench-node").withNewConditions().withReady(true).endConditions().build());
            }
            slices.add(new EndpointSliceBuilder().withNewMetadata().withNamespace("bench").withName("svc-" + i + "-x")
                    .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, "svc-" + i).endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                    .withEndpoints(endpoints).build());
        }
        return slices;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** Moves the first endpoint of service {@code i} to a new address, as a pod replacement would. */
    static void moveEndpoint(List<EndpointSlice> slices, int i, int seq) {
        EndpointSlice slice = slices.get(i);
        List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>(slice.getEndpoints());
        endpoints.set(0, new EndpointBuilder().withAddresses("10.245." + (seq / 250 % 250) + "." + (seq % 250 + 1))
                .withNodeName("bench-node").withNewConditions().withReady(true).endConditions().build());
        slices.set(i, new EndpointSliceBuilder(slice).withEndpoints(endpoints).build());
    }

    @Test
    void fullAndPartialSyncOfThousandServicesBesideRawRestore() throws Exception {
        String ns = String.format("kpxbench%04x", ThreadLocalRandom.current().nextInt(0x10000));
        CommandRunner root = new CommandRunner(List.of());
        root.run(List.of("ip", "netns", "add", ns)).orThrow();
        Path file = Files.createTempFile("keelson-proxy-bench", ".rules");
        try {
            CommandRunner inNs = new CommandRunner(List.of("ip", "netns", "exec", ns));
            Iptables iptables = new Iptables(inNs);
            RuleApplier applier = new RuleApplier(iptables);
            List<Service> services = services();
            List<EndpointSlice> slices = slices();
            ServiceRuleWriter writer = new ServiceRuleWriter("bench-node", "10.244.0.0/16");
            List<Double> compute = new ArrayList<>();
            List<Double> proxySync = new ArrayList<>();
            List<Double> floor = new ArrayList<>();
            List<Double> resync = new ArrayList<>();
            List<Double> partialSync = new ArrayList<>();
            List<Double> partialFloor = new ArrayList<>();
            List<Double> partial100 = new ArrayList<>();
            List<Double> tiny = new ArrayList<>();
            int lines = 0;
            int partialLines = 0;
            int partial100Lines = 0;
            int seq = 0;
            for (int run = 0; run < RUNS; run++) {
                // proxy full sync: what Proxy does on its first sync, or after a failed one, on a programmed node
                long t0 = System.nanoTime();
                RuleSet rules = writer.write(ServiceCatalog.build(services, slices));
                long t1 = System.nanoTime();
                lines = new RuleApplier(iptables).apply(rules, Set.of(), true).restoreLines();
                long t2 = System.nanoTime();
                compute.add((t1 - t0) / 1e6);
                proxySync.add((t2 - t0) / 1e6);

                // floor: the same full rule file, one raw iptables-restore, nothing else
                var tables = iptables.tables();
                Files.writeString(file, rules.restoreText(tables.get("nat"), tables.get("filter")));
                floor.add(rawRestore(root, ns, file));

                // the periodic resync of an intact node: compute, read the tables, compare, write nothing
                long r0 = System.nanoTime();
                var checked = applier.apply(writer.write(ServiceCatalog.build(services, slices)), Set.of(), true);
                resync.add((System.nanoTime() - r0) / 1e6);
                if (run > 0 && checked.rewrittenChains() != 0) {
                    throw new IllegalStateException("a resync of an intact node rewrote " + checked.rewrittenChains());
                }

                // the floor of any restore: a tiny iptables-nft-restore --noflush beside these 15,000 rules
                Files.writeString(file, "*nat\n:KPXBENCH-TINY - [0:0]\nCOMMIT\n");
                tiny.add(rawRestore(root, ns, file));

                // proxy partial sync: one service's endpoint moved since the last sync
                int changed = (run * 37) % SERVICES;
                moveEndpoint(slices, changed, seq++);
                long p0 = System.nanoTime();
                RuleSet after = writer.write(ServiceCatalog.build(services, slices));
                var applied = applier.apply(after, Set.of("bench/svc-" + changed), false);
                partialSync.add((System.nanoTime() - p0) / 1e6);
                if (!applied.partial()) {
                    throw new IllegalStateException("the sync after a successful one must be partial");
                }
                partialLines = applied.restoreLines();

                // its floor: the changed service's chains rewritten by one raw iptables-restore
                tables = iptables.tables();
                Files.writeString(file, after.partialRestoreText(after.natAfter(tables.get("nat")),
                        after.filterAfter(tables.get("filter")), Set.of("bench/svc-" + changed)));
                partialFloor.add(rawRestore(root, ns, file));

                // a partial sync as under 100 changes/s at the default 1 s period: 100 services' endpoints moved
                Set<String> hundred = new HashSet<>();
                for (int i = 0; i < 100; i++) {
                    int service = (run * 131 + i * 7) % SERVICES;
                    moveEndpoint(slices, service, seq++);
                    hundred.add("bench/svc-" + service);
                }
                long q0 = System.nanoTime();
                partial100Lines = applier.apply(writer.write(ServiceCatalog.build(services, slices)), hundred, false)
                        .restoreLines();
                partial100.add((System.nanoTime() - q0) / 1e6);
            }
            System.out.printf("SyncBench: %d services x %d endpoints, %d runs%n", SERVICES, ENDPOINTS, RUNS);
            System.out.printf("  compute rules (catalog + writer): median %.1f ms  all %s%n", median(compute), compute);
            System.out.printf("  proxy full sync (compute + read tables + restore of %d lines + jumps): median %.1f ms"
                    + "  all %s%n", lines, median(proxySync), proxySync);
            System.out.printf("  floor (raw iptables-nft-restore of the same file): median %.1f ms  all %s%n",
                    median(floor), floor);
            System.out.printf("  ratio proxy/floor: %.2f%n", median(proxySync) / median(floor));
            System.out.printf("  proxy resync of an intact node (compute + iptables-save + compare, nothing written):"
                    + " median %.1f ms  all %s%n", median(resync), resync);
            System.out.printf("  floor of any restore (tiny iptables-nft-restore --noflush beside 15,000 rules):"
                    + " median %.1f ms  all %s%n", median(tiny), tiny);
            System.out.printf("  proxy partial sync, 1 of %d services changed (compute + restore of %d lines):"
                    + " median %.1f ms  all %s%n", SERVICES, partialLines, median(partialSync), partialSync);
            System.out.printf("  floor (raw iptables-nft-restore of that service's chains): median %.1f ms  all %s%n",
                    median(partialFloor), partialFloor);
            System.out.printf("  proxy partial sync, 100 services' endpoints moved (compute + restore of %d lines):"
                    + " median %.1f ms  all %s%n", partial100Lines, median(partial100), partial100);
        } finally {
            Files.deleteIfExists(file);
            root.run(List.of("ip", "netns", "del", ns));
        }
    }

    private static double rawRestore(CommandRunner root, String ns, Path file) {
        long f0 = System.nanoTime();
        root.run(List.of("bash", "-c", "ip netns exec " + ns + " iptables-nft-restore --noflush < " + file)).orThrow();
        return (System.nanoTime() - f0) / 1e6;
    }
}
