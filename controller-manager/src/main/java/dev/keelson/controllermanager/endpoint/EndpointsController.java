package dev.keelson.controllermanager.endpoint;

import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.endpoint.ServiceBackends.Backend;
import dev.keelson.controllermanager.endpoint.ServiceBackends.ResolvedPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps one core/v1 Endpoints object per Service with a selector: ready pods under addresses, not-ready ones
 * under notReadyAddresses, terminating pods left out (unless publishNotReadyAddresses), pods grouped into
 * subsets by their resolved ports. Pod changes are batched per Service.
 */
public final class EndpointsController implements AutoCloseable {
    static final String HEADLESS_LABEL = "service.kubernetes.io/headless";

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Endpoints> endpoints;
    private final Controller controller;

    public EndpointsController(SharedInformers informers, Duration batchPeriod, MeterRegistry meters) {
        this.client = informers.client();
        this.services = informers.services();
        this.pods = informers.pods();
        this.endpoints = informers.endpoints();
        this.controller = new Controller("endpoint", this::sync, meters);
        services.addEventHandler(controller.handler());
        pods.addEventHandler(ServiceBackends.podHandler(services, controller, batchPeriod));
        endpoints.addEventHandler(controller.handler());
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(services, pods, endpoints), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String key) {
        Service svc = services.getStore().getByKey(key);
        Endpoints current = endpoints.getStore().getByKey(key);
        if (svc == null) {
            if (current != null) {
                String[] parts = key.split("/", 2);
                client.endpoints().inNamespace(parts[0]).withName(parts[1]).delete();
            }
            return;
        }
        if (svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
            return;
        }
        List<EndpointSubset> subsets = subsets(svc, ServiceBackends.backends(svc, pods));
        Map<String, String> labels = svc.getMetadata().getLabels() == null
                ? new HashMap<>() : new HashMap<>(svc.getMetadata().getLabels());
        if (ServiceBackends.isHeadless(svc)) {
            labels.put(HEADLESS_LABEL, "");
        }
        if (current != null && Semantic.equal(current.getSubsets(), subsets)
                && Semantic.equal(current.getMetadata().getLabels(), labels)) {
            return;
        }
        Endpoints desired = new EndpointsBuilder()
                .withNewMetadata()
                .withName(svc.getMetadata().getName())
                .withNamespace(svc.getMetadata().getNamespace())
                .withLabels(labels)
                .withResourceVersion(current == null ? null : current.getMetadata().getResourceVersion())
                .endMetadata()
                .withSubsets(subsets)
                .build();
        if (current == null) {
            try {
                client.endpoints().inNamespace(svc.getMetadata().getNamespace()).resource(desired).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                throw new IllegalStateException("endpoints " + key + " exist but are not in the cache yet", e);
            }
        } else {
            desired.getMetadata().setAnnotations(current.getMetadata().getAnnotations());
            client.endpoints().inNamespace(svc.getMetadata().getNamespace()).resource(desired).update();
        }
    }

    static List<EndpointSubset> subsets(Service svc, List<Backend> backends) {
        Map<List<ResolvedPort>, EndpointSubset> byPorts = new LinkedHashMap<>();
        boolean servicePorts = svc.getSpec().getPorts() != null && !svc.getSpec().getPorts().isEmpty();
        for (Backend b : backends) {
            if (b.terminating() && !ServiceBackends.publishNotReady(svc)) {
                continue;
            }
            if (servicePorts && b.ports().isEmpty()) {
                continue;
            }
            EndpointSubset subset = byPorts.computeIfAbsent(b.ports(), ports -> {
                EndpointSubset s = new EndpointSubset();
                List<EndpointPort> eps = new ArrayList<>();
                for (ResolvedPort p : ports) {
                    EndpointPort ep = new EndpointPort();
                    ep.setName(p.name().isEmpty() ? null : p.name());
                    ep.setPort(p.port());
                    ep.setProtocol(p.protocol());
                    ep.setAppProtocol(p.appProtocol());
                    eps.add(ep);
                }
                s.setPorts(eps.isEmpty() ? null : eps);
                return s;
            });
            EndpointAddress address = address(svc, b);
            if (b.ready()) {
                subset.setAddresses(append(subset.getAddresses(), address));
            } else {
                subset.setNotReadyAddresses(append(subset.getNotReadyAddresses(), address));
            }
        }
        return new ArrayList<>(byPorts.values());
    }

    private static List<EndpointAddress> append(List<EndpointAddress> list, EndpointAddress a) {
        List<EndpointAddress> out = list == null ? new ArrayList<>() : new ArrayList<>(list);
        out.add(a);
        return out;
    }

    private static EndpointAddress address(Service svc, Backend b) {
        Pod pod = b.pod();
        EndpointAddress a = new EndpointAddress();
        a.setIp(b.ip());
        a.setNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName());
        if (ServiceBackends.isHeadless(svc) && pod.getSpec() != null && pod.getSpec().getHostname() != null
                && svc.getMetadata().getName().equals(pod.getSpec().getSubdomain())) {
            a.setHostname(pod.getSpec().getHostname());
        }
        a.setTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build());
        return a;
    }
}
