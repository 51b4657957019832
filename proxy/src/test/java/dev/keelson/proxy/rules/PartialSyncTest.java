package dev.keelson.proxy.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A partial sync applied on top of the previous state must leave the same chains and rules as a full sync of the
 * new state; checked with the {@link RestoreModel} fake over many random sequences of cluster changes.
 */
class PartialSyncTest {
    private static final ServiceRuleWriter WRITER = new ServiceRuleWriter("node-a", "10.244.0.0/16");

    /** The cluster as the informers see it, and which services ("namespace/name") changed since the last sync. */
    private static final class Cluster {
        final Random random;
        final Map<String, Service> services = new TreeMap<>();
        final Map<String, EndpointSlice> slices = new TreeMap<>();
        final Set<String> changed = new HashSet<>();
        int nextService;

        Cluster(long seed, int size) {
            random = new Random(seed);
            for (int i = 0; i < size; i++) {
                addService();
            }
            changed.clear();
        }

        RuleSet rules() {
            return WRITER.write(ServiceCatalog.build(services.values(), slices.values()));
        }

        void addService() {
            int n = nextService++;
            String name = "s" + n;
            services.put(name, new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name)
                    .endMetadata().withNewSpec().withType("ClusterIP").withClusterIP("10.96.0." + (n + 1))
                    .addNewPort().withName("http").withProtocol(random.nextBoolean() ? "TCP" : "UDP").withPort(80)
                    .withTargetPort(new IntOrString(8080)).endPort().endSpec().build());
            putSlice(name + "-a", slice(name, name + "-a"));
            changed.add("default/" + name);
        }

        /** As the proxy's slice handler: the services the slice belonged to before and after both changed. */
        void putSlice(String key, EndpointSlice slice) {
            for (EndpointSlice s : new EndpointSlice[] {slices.get(key), slice}) {
                if (s != null) {
                    changed.add("default/" + s.getMetadata().getLabels().get(ServiceCatalog.SERVICE_NAME_LABEL));
                }
            }
            if (slice == null) {
                slices.remove(key);
            } else {
                slices.put(key, slice);
            }
        }

        EndpointSlice slice(String service, String sliceName) {
            List<Endpoint> endpoints = new ArrayList<>();
            int count = random.nextInt(5);
            for (int i = 0; i < count; i++) {
                endpoints.add(new EndpointBuilder().withAddresses("10.244.1." + (2 + random.nextInt(30)))
                        .withNodeName(random.nextBoolean() ? "node-a" : "node-b")
                        .withNewConditions().withReady(random.nextInt(4) > 0).endConditions().build());
            }
            String protocol = services.get(service).getSpec().getPorts().get(0).getProtocol();
            return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName(sliceName)
                    .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol(protocol).withPort(8080).endPort()
                    .withEndpoints(endpoints).build();
        }

        /** One random change, as the API would show it, recorded as the proxy's informer handlers would. */
        void change() {
            List<String> names = new ArrayList<>(services.keySet());
            if (names.isEmpty()) {
                addService();
                return;
            }
            String name = names.get(random.nextInt(names.size()));
            Service service = services.get(name);
            changed.add("default/" + name);
            switch (random.nextInt(8)) {
                case 0, 1, 2 -> putSlice(name + "-a", slice(name, name + "-a"));
                case 3 -> {
                    services.remove(name);
                    putSlice(name + "-a", null);
                }
                case 4 -> addService();
                case 5 -> services.put(name, new ServiceBuilder(service).editSpec()
                        .withType("NodePort".equals(service.getSpec().getType()) ? "ClusterIP" : "NodePort")
                        .editFirstPort().withNodePort(30000 + Integer.parseInt(name.substring(1))).endPort()
                        .withExternalTrafficPolicy(random.nextBoolean() ? "Local" : "Cluster").endSpec().build());
                case 6 -> services.put(name, new ServiceBuilder(service).editSpec()
                        .withSessionAffinity("ClientIP".equals(service.getSpec().getSessionAffinity()) ? "None"
                                : "ClientIP")
                        .withInternalTrafficPolicy(random.nextBoolean() ? "Local" : "Cluster").endSpec().build());
                default -> {
                    // a slice moves to another service: both services change
                    String other = names.get(random.nextInt(names.size()));
                    EndpointSlice moved = new EndpointSliceBuilder(slices.get(name + "-a")).editMetadata()
                            .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, other).endMetadata().build();
                    putSlice(name + "-a", moved);
                }
            }
        }
    }

    @Test
    void partialSyncsOnTopOfThePreviousStateEqualAFullSyncOfTheNewState() {
        for (long seed = 1; seed <= 20; seed++) {
            Cluster cluster = new Cluster(seed, 12);
            RestoreModel partial = new RestoreModel();
            RuleSet rules = cluster.rules();
            partial.apply(rules.restoreText(TableState.ABSENT, TableState.ABSENT));
            TableState nat = rules.natAfter(TableState.ABSENT);
            TableState filter = rules.filterAfter(TableState.ABSENT);
            for (int sync = 0; sync < 15; sync++) {
                int changes = 1 + cluster.random.nextInt(3);
                for (int i = 0; i < changes; i++) {
                    cluster.change();
                }
                rules = cluster.rules();
                partial.apply(rules.partialRestoreText(nat, filter, cluster.changed));
                nat = rules.natAfter(nat);
                filter = rules.filterAfter(filter);
                cluster.changed.clear();

                RestoreModel full = new RestoreModel();
                full.apply(rules.restoreText(TableState.ABSENT, TableState.ABSENT));
                assertEquals(full.state(), partial.state(), "seed " + seed + ", sync " + sync);
                assertEquals(partial.tableState("nat"), nat, "what the proxy believes the nat table holds");
                assertEquals(partial.tableState("filter"), filter);
            }
        }
    }

    @Test
    void partialSyncThatMissesAChangedServiceLeavesItsOldRules() {
        Cluster cluster = new Cluster(7, 3);
        RuleSet before = cluster.rules();
        RestoreModel model = new RestoreModel();
        model.apply(before.restoreText(TableState.ABSENT, TableState.ABSENT));
        String svc = before.natChains().stream().filter(c -> c.startsWith("KEELSON-SVC-")).findFirst().orElseThrow();
        String service = before.chainServices().get(svc);

        EndpointSlice slice = cluster.slices.get(service.substring("default/".length()) + "-a");
        cluster.slices.put(slice.getMetadata().getName(), new EndpointSliceBuilder(slice)
                .addToEndpoints(new EndpointBuilder().withAddresses("10.244.9.9").withNodeName("node-b").build())
                .build());
        RuleSet after = cluster.rules();
        TableState nat = before.natAfter(TableState.ABSENT);
        TableState filter = before.filterAfter(TableState.ABSENT);

        RestoreModel missed = new RestoreModel();
        missed.apply(before.restoreText(TableState.ABSENT, TableState.ABSENT));
        missed.apply(after.partialRestoreText(nat, filter, Set.of()));
        model.apply(after.partialRestoreText(nat, filter, Set.of(service)));
        RestoreModel full = new RestoreModel();
        full.apply(after.restoreText(TableState.ABSENT, TableState.ABSENT));

        assertEquals(full.state(), model.state());
        assertNotEquals(full.state(), missed.state(), "the changed set is what decides which chains are written");
    }
}
