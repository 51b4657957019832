package dev.keelson.controllermanager.nodeipam;

import dev.keelson.componentbase.controller.Controller;
import dev.keelson.componentbase.events.EventRecorder;
import dev.keelson.controllermanager.common.SharedInformers;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives every Node a unique spec.podCIDR out of --cluster-cidr. One worker allocates, so two nodes registering
 * at once cannot get the same subnet; the taken subnets are read from all Nodes before the first allocation and
 * a deleted node's subnet becomes free again.
 */
public final class NodeIpamController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeIpamController.class);

    private final KubernetesClient client;
    private final SharedIndexInformer<Node> informer;
    private final CidrAllocator allocator;
    private final EventRecorder events;
    private final Controller controller;
    /** Node UID -> subnet patched but not yet seen in the cache, so a lagging cache cannot cause a second allocation. */
    private final Map<String, String> inFlight = new ConcurrentHashMap<>();

    public NodeIpamController(SharedInformers informers, String clusterCidr, int nodeMaskSize, MeterRegistry meters) {
        this.client = informers.client();
        this.informer = informers.nodes();
        this.allocator = new CidrAllocator(clusterCidr, nodeMaskSize);
        this.events = EventRecorder.builder("node-ipam-controller").logEachEvent().build(client);
        this.controller = new Controller("nodeipam", this::sync, meters);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                observe(node);
            }

            @Override
            public void onUpdate(Node oldNode, Node node) {
                observe(node);
            }

            @Override
            public void onDelete(Node node, boolean unknown) {
                cidr(node).ifPresent(allocator::release);
                String pending = inFlight.remove(node.getMetadata().getUid());
                if (pending != null) {
                    allocator.release(pending);
                }
            }
        });
    }

    private void observe(Node node) {
        Optional<String> cidr = cidr(node);
        if (cidr.isPresent()) {
            allocator.occupy(cidr.get());
            inFlight.remove(node.getMetadata().getUid());
        } else {
            controller.enqueue(node);
        }
    }

    /** Runs one worker: allocation is serialised by design. */
    public void run() throws InterruptedException {
        controller.run(1, List.of(informer), Duration.ofMinutes(2));
    }

    @Override
    public void close() {
        controller.close();
        events.close();
    }

    void sync(String name) {
        Node node = informer.getStore().getByKey(name);
        if (node == null || cidr(node).isPresent() || inFlight.containsKey(node.getMetadata().getUid())) {
            return;
        }
        // Every node the cache knows is occupied before the first allocation, including after a restart.
        informer.getStore().list().forEach(n -> cidr(n).ifPresent(allocator::occupy));
        Optional<String> cidr = allocator.allocate();
        if (cidr.isEmpty()) {
            events.warning(node, "CIDRNotAvailable", "Node " + name + " status is now: CIDRNotAvailable");
            throw new IllegalStateException("no pod CIDR left for node " + name);
        }
        // No resourceVersion precondition: the kubelet updates its Node all the time, and a 409 made the retry take
        // the next subnet. A podCIDR can only go from empty to set (the apiserver refuses any other change), so
        // this patch cannot overwrite one that another writer set first.
        String patch = client.getKubernetesSerialization().asJson(Map.of(
                "spec", Map.of("podCIDR", cidr.get(), "podCIDRs", List.of(cidr.get()))));
        try {
            client.nodes().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (RuntimeException e) {
            allocator.release(cidr.get());
            throw e;
        }
        inFlight.put(node.getMetadata().getUid(), cidr.get());
        log.info("node {}: podCIDR {}", name, cidr.get());
        events.normal(node, "CIDRAssignmentSucceeded", "Node " + name + " got pod CIDR " + cidr.get());
    }

    private static Optional<String> cidr(Node node) {
        return Optional.ofNullable(node.getSpec() == null ? null : node.getSpec().getPodCIDR()).filter(s -> !s.isEmpty());
    }
}
