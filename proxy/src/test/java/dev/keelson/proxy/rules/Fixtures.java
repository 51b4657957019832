package dev.keelson.proxy.rules;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.Arrays;
import java.util.List;

/** Builders for the API objects the unit tests feed the proxier. */
final class Fixtures {
    private Fixtures() {}

    static ServicePort port(String name, String protocol, int port, Object targetPort) {
        return new ServicePortBuilder().withName(name).withProtocol(protocol).withPort(port)
                .withTargetPort(targetPort instanceof Integer i ? new IntOrString(i) : new IntOrString((String) targetPort))
                .build();
    }

    static ServiceBuilder service(String name, String clusterIp, ServicePort... ports) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp).withPorts(ports).endSpec();
    }

    static EndpointPort slicePort(String name, String protocol, int port) {
        return new EndpointPortBuilder().withName(name).withProtocol(protocol).withPort(port).build();
    }

    /** Endpoints given as "ip", "ip@node" or "ip!" (not ready). */
    static EndpointSlice slice(String service, List<EndpointPort> ports, String... endpoints) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName(service + "-abc")
                .addToLabels(ServiceCatalog.SERVICE_NAME_LABEL, service).endMetadata()
                .withAddressType("IPv4").withPorts(ports)
                .withEndpoints(Arrays.stream(endpoints).map(e -> {
                    boolean ready = !e.endsWith("!");
                    String spec = e.replace("!", "");
                    String[] parts = spec.split("@");
                    return new EndpointBuilder().withAddresses(parts[0])
                            .withNodeName(parts.length > 1 ? parts[1] : "other-node")
                            .withNewConditions().withReady(ready).endConditions().build();
                }).toList())
                .build();
    }

    static RuleSet rules(List<Service> services, List<EndpointSlice> slices) {
        return new ServiceRuleWriter("node-a", "10.244.0.0/16").write(ServiceCatalog.build(services, slices));
    }
}
