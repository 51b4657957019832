package dev.keelson.dns;

import dev.keelson.componentbase.controller.Informers;
import dev.keelson.componentbase.net.Ipv4;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kube-system/kube-dns} Service that pods' resolv.conf names (10.96.0.10, as kubeadm's CoreDNS), and its
 * endpoints: one EndpointSlice per node with that node's DNS server (its pod-bridge gateway), always ready: only
 * that node's pods use it, and they have no other. The Service has
 * {@code internalTrafficPolicy: Local}, so each node's proxy sends the DNS traffic of its pods to its own server,
 * as NodeLocal DNSCache does, and a node whose server is not up has no DNS rather than sending to another node.
 * Run by `keelson server` (it needs to write Services and EndpointSlices, which a node's credential may not).
 */
public final class KubeDnsService implements AutoCloseable {
    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "kube-dns";
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String CONTROLLER = "dns.keelson.dev";
    private static final Logger log = LoggerFactory.getLogger(KubeDnsService.class);

    private final KubernetesClient client;
    private final String clusterIp;
    private final int dnsPort;
    private final int metricsPort;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keelson-kube-dns");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean queued = new AtomicBoolean();
    private SharedIndexInformer<Node> nodes;

    public KubeDnsService(KubernetesClient client, String clusterIp, int dnsPort, int metricsPort) {
        this.client = client;
        this.clusterIp = clusterIp;
        this.dnsPort = dnsPort;
        this.metricsPort = metricsPort;
    }

    public KubeDnsService start() throws InterruptedException {
        nodes = client.nodes().runnableInformer(0);
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node obj) {
                queue();
            }

            @Override
            public void onUpdate(Node oldObj, Node newObj) {
                if (!Objects.equals(podCidr(oldObj), podCidr(newObj))) {
                    queue();
                }
            }

            @Override
            public void onDelete(Node obj, boolean unknown) {
                queue();
            }
        });
        Informers.startAndWaitForSync(List.of(nodes), Duration.ofSeconds(60));
        queue();
        // a deleted Service or slice comes back within a minute, as the addon manager restores CoreDNS's
        worker.scheduleWithFixedDelay(this::queue, 60, 60, TimeUnit.SECONDS);
        return this;
    }

    private void queue() {
        if (queued.compareAndSet(false, true)) {
            worker.execute(() -> {
                queued.set(false);
                try {
                    sync();
                } catch (RuntimeException e) {
                    log.warn("kube-dns endpoints not synced, retrying in 5 s: {}", e.getMessage());
                    worker.schedule(this::queue, 5, TimeUnit.SECONDS);
                }
            });
        }
    }

    /** The Service (created when absent, never changed) and one slice per node with a podCIDR. */
    void sync() {
        if (client.services().inNamespace(NAMESPACE).withName(NAME).get() == null) {
            try {
                client.services().inNamespace(NAMESPACE).resource(service()).create();
                log.info("created Service {}/{} at {}", NAMESPACE, NAME, clusterIp);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
        Map<String, EndpointSlice> existing = new HashMap<>();
        for (EndpointSlice s : client.discovery().v1().endpointSlices().inNamespace(NAMESPACE)
                .withLabel(MANAGED_BY, CONTROLLER).list().getItems()) {
            existing.put(s.getMetadata().getName(), s);
        }
        for (Node node : nodes.getStore().list()) {
            String cidr = podCidr(node);
            if (cidr == null) {
                continue;
            }
            EndpointSlice want = slice(node, Ipv4.format(Ipv4.Cidr.parse(cidr).address(1)));
            EndpointSlice have = existing.remove(want.getMetadata().getName());
            if (have == null) {
                client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(want).create();
            } else if (!Objects.equals(have.getEndpoints(), want.getEndpoints())
                    || !Objects.equals(have.getPorts(), want.getPorts())) {
                want.getMetadata().setResourceVersion(have.getMetadata().getResourceVersion());
                client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(want).update();
            }
        }
        for (EndpointSlice gone : existing.values()) {
            client.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(gone).delete();
        }
    }

    private Service service() {
        List<ServicePort> ports = new ArrayList<>(List.of(
                port("dns", "UDP", 53, dnsPort), port("dns-tcp", "TCP", 53, dnsPort)));
        if (metricsPort > 0) {
            ports.add(port("metrics", "TCP", 9153, metricsPort));
        }
        return new ServiceBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME)
                .addToLabels("k8s-app", "kube-dns").addToLabels("kubernetes.io/cluster-service", "true")
                .addToLabels("kubernetes.io/name", "KubeDNS").endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp).withInternalTrafficPolicy("Local")
                .withPorts(ports).endSpec().build();
    }

    private static ServicePort port(String name, String protocol, int port, int target) {
        return new ServicePortBuilder().withName(name).withProtocol(protocol).withPort(port)
                .withNewTargetPort(target).build();
    }

    private EndpointSlice slice(Node node, String address) {
        String nodeName = node.getMetadata().getName();
        String name = "kube-dns-" + nodeName;
        if (name.length() > 63) {
            name = "kube-dns-" + Integer.toHexString(nodeName.hashCode());
        }
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(name)
                .addToLabels("kubernetes.io/service-name", NAME).addToLabels(MANAGED_BY, CONTROLLER).endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint().withAddresses(address).withNodeName(nodeName)
                .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
                .endEndpoint()
                .addNewPort().withName("dns").withProtocol("UDP").withPort(dnsPort).endPort()
                .addNewPort().withName("dns-tcp").withProtocol("TCP").withPort(dnsPort).endPort();
        if (metricsPort > 0) {
            b.addNewPort().withName("metrics").withProtocol("TCP").withPort(metricsPort).endPort();
        }
        return b.build();
    }

    private static String podCidr(Node node) {
        return node.getSpec() == null ? null : node.getSpec().getPodCIDR();
    }

    @Override
    public void close() {
        worker.shutdownNow();
        if (nodes != null) {
            nodes.close();
        }
    }
}
