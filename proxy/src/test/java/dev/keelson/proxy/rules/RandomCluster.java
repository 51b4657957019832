package dev.keelson.proxy.rules;

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

/**
 * A cluster of Services and EndpointSlices as the proxy's informers see it, changed at random (seeded), and the
 * services ("namespace/name") that changed since {@link #changed()} was last cleared, recorded as the proxy's
 * informer handlers record them.
 */
public final class RandomCluster {
    private final Random random;
    private final Map<String, Service> services = new TreeMap<>();
    private final Map<String, EndpointSlice> slices = new TreeMap<>();
    private final Set<String> changed = new HashSet<>();
    private int nextService;

    public RandomCluster(long seed, int size) {
        random = new Random(seed);
        for (int i = 0; i < size; i++) {
            addService();
        }
        changed.clear();
    }

    public RuleSet rules(ServiceRuleWriter writer) {
        return writer.write(ServiceCatalog.build(services.values(), slices.values()));
    }

    private void addService() {
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
    private void putSlice(String key, EndpointSlice slice) {
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

    private EndpointSlice slice(String service, String sliceName) {
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
    public void change() {
        List<String> names = new ArrayList<>(services.keySet());
        if (names.isEmpty()) {
            addService();
            return;
        }
        String name = names.get(random.nextInt(names.size()));
        Service service = services.get(name);
        changed.add("default/" + name);
        switch (random.nextInt(9)) {
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
            case 7 -> services.put(name, new ServiceBuilder(service).editSpec().editFirstPort()
                    .withPort(service.getSpec().getPorts().get(0).getPort() == 80 ? 8081 : 80).endPort().endSpec()
                    .build());
            default -> {
                // a slice moves to another service: both services change
                String other = names.get(random.nextInt(names.size()));
                EndpointSlice moved = new EndpointSliceBuilder(slices.get(name + "-a")).editMetadata()
                        .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, other).endMetadata().build();
                putSlice(name + "-a", moved);
            }
        }
    }

    /** Moves the first endpoint of a service that has endpoints to a new address; returns the service's name. */
    public String moveEndpoint() {
        for (Map.Entry<String, EndpointSlice> entry : slices.entrySet()) {
            EndpointSlice slice = entry.getValue();
            if (!slice.getEndpoints().isEmpty() && services.containsKey(entry.getKey().replace("-a", ""))) {
                List<Endpoint> endpoints = new ArrayList<>(slice.getEndpoints());
                endpoints.set(0, new EndpointBuilder(endpoints.get(0)).withAddresses("10.244.2.99")
                        .withNewConditions().withReady(true).endConditions().build());
                putSlice(entry.getKey(), new EndpointSliceBuilder(slice).withEndpoints(endpoints).build());
                return slice.getMetadata().getLabels().get(ServiceCatalog.SERVICE_NAME_LABEL);
            }
        }
        throw new IllegalStateException("no service has endpoints");
    }

    public Set<String> changed() {
        return changed;
    }

    public Map<String, EndpointSlice> slices() {
        return slices;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }
}
