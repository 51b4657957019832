package dev.keelson.proxy.rules;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins Services with their EndpointSlices into the service ports the proxier programs. Target ports come from
 * the slice port named like the service port, which is how named target ports reach the proxy already resolved.
 */
public final class ServiceCatalog {
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final int DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
    private static final Logger log = LoggerFactory.getLogger(ServiceCatalog.class);

    private ServiceCatalog() {}

    public static List<ServicePortInfo> build(Collection<Service> services, Collection<EndpointSlice> slices) {
        Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();
        for (EndpointSlice slice : slices) {
            if (slice.getMetadata() == null || slice.getMetadata().getLabels() == null) {
                continue;
            }
            String serviceName = slice.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
            if (serviceName != null && "IPv4".equals(slice.getAddressType())) {
                slicesByService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + serviceName,
                        k -> new ArrayList<>()).add(slice);
            }
        }
        List<ServicePortInfo> result = new ArrayList<>();
        for (Service service : services) {
            if (!hasClusterIp(service)) {
                continue;
            }
            String key = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
            List<EndpointSlice> own = slicesByService.getOrDefault(key, List.of());
            for (ServicePort port : service.getSpec().getPorts()) {
                String protocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
                if (!protocol.equals("TCP") && !protocol.equals("UDP") && !protocol.equals("SCTP")) {
                    log.warn("service {} port {}: unsupported protocol {}", key, port.getPort(), protocol);
                    continue;
                }
                result.add(new ServicePortInfo(service.getMetadata().getNamespace(), service.getMetadata().getName(),
                        port.getName() == null ? "" : port.getName(), protocol, service.getSpec().getClusterIP(),
                        port.getPort(), hasNodePorts(service) && port.getNodePort() != null ? port.getNodePort() : 0,
                        "Local".equals(service.getSpec().getExternalTrafficPolicy()),
                        "Local".equals(service.getSpec().getInternalTrafficPolicy()),
                        affinityTimeout(service), readyEndpoints(own, port.getName(), protocol)));
            }
        }
        result.sort(Comparator.comparing(ServicePortInfo::displayName).thenComparing(ServicePortInfo::protocol));
        return result;
    }

    private static boolean hasClusterIp(Service service) {
        if (service.getSpec() == null || service.getSpec().getPorts() == null) {
            return false;
        }
        String ip = service.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !"None".equals(ip) && !ip.contains(":")
                && !"ExternalName".equals(service.getSpec().getType());
    }

    private static boolean hasNodePorts(Service service) {
        String type = service.getSpec().getType();
        return "NodePort".equals(type) || "LoadBalancer".equals(type);
    }

    private static int affinityTimeout(Service service) {
        if (!"ClientIP".equals(service.getSpec().getSessionAffinity())) {
            return 0;
        }
        var config = service.getSpec().getSessionAffinityConfig();
        if (config != null && config.getClientIP() != null && config.getClientIP().getTimeoutSeconds() != null) {
            return config.getClientIP().getTimeoutSeconds();
        }
        return DEFAULT_AFFINITY_TIMEOUT_SECONDS;
    }

    /** Ready endpoints of every slice of the service that carries this port, de-duplicated and sorted. */
    private static List<Endpoint> readyEndpoints(List<EndpointSlice> slices, String portName, String protocol) {
        String wanted = portName == null ? "" : portName;
        TreeSet<Endpoint> endpoints = new TreeSet<>();
        for (EndpointSlice slice : slices) {
            if (slice.getPorts() == null || slice.getEndpoints() == null) {
                continue;
            }
            Integer targetPort = slice.getPorts().stream()
                    .filter(p -> wanted.equals(p.getName() == null ? "" : p.getName()))
                    .filter(p -> protocol.equals(p.getProtocol() == null ? "TCP" : p.getProtocol()))
                    .map(p -> p.getPort())
                    .filter(Objects::nonNull)
                    .findFirst().orElse(null);
            if (targetPort == null) {
                continue;
            }
            for (var endpoint : slice.getEndpoints()) {
                if (!isReady(endpoint.getConditions()) || endpoint.getAddresses() == null
                        || endpoint.getAddresses().isEmpty()) {
                    continue;
                }
                endpoints.add(new Endpoint(endpoint.getAddresses().get(0), targetPort,
                        endpoint.getNodeName() == null ? "" : endpoint.getNodeName()));
            }
        }
        return List.copyOf(endpoints);
    }

    /** The API says an unset ready condition means ready. */
    private static boolean isReady(EndpointConditions conditions) {
        return conditions == null || conditions.getReady() == null || conditions.getReady();
    }
}
