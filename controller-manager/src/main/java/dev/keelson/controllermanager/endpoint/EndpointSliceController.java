package dev.keelson.controllermanager.endpoint;

import dev.keelson.componentbase.api.Semantic;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import dev.keelson.controllermanager.endpoint.ServiceBackends.Backend;
import dev.keelson.controllermanager.endpoint.ServiceBackends.ResolvedPort;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the discovery.k8s.io/v1 EndpointSlices of every Service with a selector: endpoints grouped by their
 * resolved ports, at most 100 per slice, with ready/serving/terminating conditions (terminating pods are kept
 * and marked), owned by the Service and labelled kubernetes.io/service-name. Pod changes are batched.
 */
public final class EndpointSliceController implements AutoCloseable {
    static final String SERVICE_NAME = "kubernetes.io/service-name";
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String CONTROLLER_NAME = "endpointslice-controller.k8s.io";
    static final int MAX_ENDPOINTS_PER_SLICE = 100;

    private final KubernetesClient client;
    private final SharedIndexInformer<Service> services;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<EndpointSlice> slices;
    private final Controller controller;

    public EndpointSliceController(SharedInformers informers, Duration batchPeriod, MeterRegistry meters) {
        this.client = informers.client();
        this.services = informers.services();
        this.pods = informers.pods();
        this.slices = informers.endpointSlices();
        this.controller = new Controller("endpointslice", this::sync, meters);
        services.addEventHandler(controller.handler());
        pods.addEventHandler(ServiceBackends.podHandler(services, controller, batchPeriod));
        slices.addEventHandler(controller.handler(s -> {
            Map<String, String> labels = s.getMetadata().getLabels();
            if (labels == null || !CONTROLLER_NAME.equals(labels.get(MANAGED_BY)) || labels.get(SERVICE_NAME) == null) {
                return null;
            }
            return s.getMetadata().getNamespace() + "/" + labels.get(SERVICE_NAME);
        }));
    }

    public void run(int workers) throws InterruptedException {
        controller.run(workers, List.of(services, pods, slices), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
    }

    void sync(String key) {
        String[] parts = key.split("/", 2);
        Service svc = services.getStore().getByKey(key);
        List<EndpointSlice> existing = new ArrayList<>();
        for (EndpointSlice s : slices.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, parts[0])) {
            Map<String, String> labels = s.getMetadata().getLabels();
            if (labels != null && parts[1].equals(labels.get(SERVICE_NAME)) && CONTROLLER_NAME.equals(labels.get(MANAGED_BY))
                    && s.getMetadata().getDeletionTimestamp() == null) {
                existing.add(s);
            }
        }
        existing.sort(Comparator.comparing(s -> s.getMetadata().getName()));
        if (svc == null || svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
            for (EndpointSlice s : existing) {
                delete(s);
            }
            return;
        }
        List<EndpointSlice> desired = desiredSlices(svc, ServiceBackends.backends(svc, pods));
        for (int i = 0; i < desired.size(); i++) {
            EndpointSlice want = desired.get(i);
            if (i < existing.size()) {
                EndpointSlice have = existing.get(i);
                if (Semantic.equal(have.getEndpoints(), want.getEndpoints()) && Semantic.equal(have.getPorts(), want.getPorts())
                        && Semantic.equal(have.getMetadata().getLabels(), want.getMetadata().getLabels())) {
                    continue;
                }
                want.getMetadata().setName(have.getMetadata().getName());
                want.getMetadata().setGenerateName(have.getMetadata().getGenerateName());
                want.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
                client.discovery().v1().endpointSlices().inNamespace(parts[0]).resource(want).update();
            } else {
                client.discovery().v1().endpointSlices().inNamespace(parts[0]).resource(want).create();
            }
        }
        for (int i = desired.size(); i < existing.size(); i++) {
            delete(existing.get(i));
        }
    }

    private void delete(EndpointSlice s) {
        try {
            client.discovery().v1().endpointSlices().inNamespace(s.getMetadata().getNamespace())
                    .withName(s.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /** At least one slice (possibly empty) per Service; endpoints grouped by port set, split at 100. */
    static List<EndpointSlice> desiredSlices(Service svc, List<Backend> backends) {
        Map<List<ResolvedPort>, List<Endpoint>> byPorts = new LinkedHashMap<>();
        boolean servicePorts = svc.getSpec().getPorts() != null && !svc.getSpec().getPorts().isEmpty();
        for (Backend b : backends) {
            if (servicePorts && b.ports().isEmpty()) {
                continue;
            }
            byPorts.computeIfAbsent(b.ports(), p -> new ArrayList<>()).add(endpoint(svc, b));
        }
        List<EndpointSlice> out = new ArrayList<>();
        for (Map.Entry<List<ResolvedPort>, List<Endpoint>> e : byPorts.entrySet()) {
            List<Endpoint> eps = e.getValue();
            for (int i = 0; i < eps.size(); i += MAX_ENDPOINTS_PER_SLICE) {
                out.add(slice(svc, e.getKey(), eps.subList(i, Math.min(eps.size(), i + MAX_ENDPOINTS_PER_SLICE))));
            }
        }
        if (out.isEmpty()) {
            List<ResolvedPort> ports = new ArrayList<>();
            if (servicePorts) {
                svc.getSpec().getPorts().forEach(p -> {
                    if (p.getTargetPort() == null || p.getTargetPort().getIntVal() != null) {
                        int port = p.getTargetPort() == null ? p.getPort() : p.getTargetPort().getIntVal();
                        ports.add(new ResolvedPort(p.getName() == null ? "" : p.getName(), port,
                                p.getProtocol() == null ? "TCP" : p.getProtocol(), p.getAppProtocol()));
                    }
                });
            }
            out.add(slice(svc, ports, List.of()));
        }
        return out;
    }

    private static EndpointSlice slice(Service svc, List<ResolvedPort> ports, List<Endpoint> endpoints) {
        Map<String, String> labels = svc.getMetadata().getLabels() == null
                ? new HashMap<>() : new HashMap<>(svc.getMetadata().getLabels());
        labels.put(SERVICE_NAME, svc.getMetadata().getName());
        labels.put(MANAGED_BY, CONTROLLER_NAME);
        if (ServiceBackends.isHeadless(svc)) {
            labels.put(EndpointsController.HEADLESS_LABEL, "");
        }
        List<EndpointPort> eps = new ArrayList<>();
        for (ResolvedPort p : ports) {
            EndpointPort ep = new EndpointPort();
            ep.setName(p.name());
            ep.setPort(p.port());
            ep.setProtocol(p.protocol());
            ep.setAppProtocol(p.appProtocol());
            eps.add(ep);
        }
        return new EndpointSliceBuilder()
                .withNewMetadata()
                .withGenerateName(svc.getMetadata().getName() + "-")
                .withNamespace(svc.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(Pods.controllerRef(svc))
                .endMetadata()
                .withAddressType("IPv4")
                .withEndpoints(new ArrayList<>(endpoints))
                .withPorts(eps)
                .build();
    }

    private static Endpoint endpoint(Service svc, Backend b) {
        Pod pod = b.pod();
        boolean serving = ServiceBackends.publishNotReady(svc) || Pods.isReady(pod);
        boolean ready = ServiceBackends.publishNotReady(svc) || (serving && !b.terminating());
        Endpoint ep = new Endpoint();
        ep.setAddresses(List.of(b.ip()));
        ep.setConditions(new EndpointConditions(ready, serving, b.terminating()));
        ep.setNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName());
        if (ServiceBackends.isHeadless(svc) && pod.getSpec() != null && pod.getSpec().getHostname() != null
                && svc.getMetadata().getName().equals(pod.getSpec().getSubdomain())) {
            ep.setHostname(pod.getSpec().getHostname());
        }
        ep.setTargetRef(new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build());
        return ep;
    }
}
