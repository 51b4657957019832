package dev.keelson.controllermanager.endpoint;

import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.controller.Controller;
import dev.keelson.controllermanager.common.Pods;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the Endpoints and EndpointSlice controllers both need: the pods behind a Service with their IP,
 * readiness and the Service ports resolved against each pod's named container ports, and the pod event
 * routing that batches bursts of pod changes into one sync per Service.
 */
final class ServiceBackends {
    /** One pod behind a Service: its resolved ports (same order as the Service's) and its conditions. */
    record Backend(Pod pod, String ip, boolean ready, boolean terminating, List<ResolvedPort> ports) {}

    /** A Service port resolved for one pod. */
    record ResolvedPort(String name, int port, String protocol, String appProtocol) {}

    private ServiceBackends() {}

    static boolean publishNotReady(Service svc) {
        return Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
    }

    static boolean isHeadless(Service svc) {
        return "None".equals(svc.getSpec().getClusterIP());
    }

    /** Whether the Service's selector selects the pod; a Service without a selector selects nothing. */
    static boolean selects(Service svc, Pod pod) {
        java.util.Map<String, String> selector = svc.getSpec().getSelector();
        return selector != null && !selector.isEmpty()
                && LabelSelector.ofMap(selector).matches(pod.getMetadata().getLabels());
    }

    /** Pods selected by the Service that have an IP and are not finished, sorted by IP. */
    static List<Backend> backends(Service svc, SharedIndexInformer<Pod> pods) {
        List<Backend> out = new ArrayList<>();
        for (Pod pod : pods.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, svc.getMetadata().getNamespace())) {
            if (!selects(svc, pod)) {
                continue;
            }
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            String phase = Pods.phase(pod);
            if (ip == null || ip.isEmpty() || "Succeeded".equals(phase) || "Failed".equals(phase)) {
                continue;
            }
            boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
            boolean ready = publishNotReady(svc) || Pods.isReady(pod);
            out.add(new Backend(pod, ip, ready, terminating, resolvePorts(svc, pod)));
        }
        out.sort(Comparator.comparing(Backend::ip).thenComparing(b -> b.pod().getMetadata().getName()));
        return out;
    }

    /** Resolves each Service port's targetPort for this pod; a named port the pod lacks is left out. */
    static List<ResolvedPort> resolvePorts(Service svc, Pod pod) {
        List<ResolvedPort> out = new ArrayList<>();
        if (svc.getSpec().getPorts() == null) {
            return out;
        }
        for (ServicePort sp : svc.getSpec().getPorts()) {
            String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
            Integer port = targetPort(sp.getTargetPort(), sp.getPort(), protocol, pod);
            if (port != null) {
                out.add(new ResolvedPort(sp.getName() == null ? "" : sp.getName(), port, protocol, sp.getAppProtocol()));
            }
        }
        return out;
    }

    private static Integer targetPort(IntOrString target, Integer servicePort, String protocol, Pod pod) {
        if (target == null) {
            return servicePort;
        }
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        String name = target.getStrVal();
        if (name == null || name.isEmpty()) {
            return servicePort;
        }
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
            return null;
        }
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getPorts() == null) {
                continue;
            }
            for (ContainerPort cp : c.getPorts()) {
                String cpProtocol = cp.getProtocol() == null ? "TCP" : cp.getProtocol();
                if (name.equals(cp.getName()) && protocol.equals(cpProtocol)) {
                    return cp.getContainerPort();
                }
            }
        }
        return null;
    }

    /** Routes pod changes to the Services that select the pod (before or after the change), delayed by {@code batch}. */
    static ResourceEventHandler<Pod> podHandler(SharedIndexInformer<Service> services, Controller controller, Duration batch) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueue(pod, null);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                enqueue(pod, oldPod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                enqueue(pod, null);
            }

            private void enqueue(Pod pod, Pod oldPod) {
                for (Service svc : services.getIndexer().byIndex(SharedInformers.BY_NAMESPACE, pod.getMetadata().getNamespace())) {
                    boolean selects = selects(svc, pod);
                    boolean selected = oldPod != null
                            && selects(svc, oldPod);
                    if (selects || selected) {
                        controller.enqueueAfter(svc.getMetadata().getNamespace() + "/" + svc.getMetadata().getName(), batch);
                    }
                }
            }
        };
    }
}
