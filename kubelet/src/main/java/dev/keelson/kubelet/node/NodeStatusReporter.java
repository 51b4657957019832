package dev.keelson.kubelet.node;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeSystemInfoBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import oshi.SystemInfo;

/**
 * Registers the kubelet's Node and reports its status: capacity/allocatable from OSHI, addresses, nodeInfo, the
 * daemon endpoint, and the Ready/pressure conditions with a heartbeat.
 */
public final class NodeStatusReporter {
    /** What the reporter needs to know about the rest of the kubelet at each report. */
    public record Health(boolean runtimeUp, String runtimeVersion, String runtimeError, int kubeletPort) {}

    public static final String KUBELET_VERSION = "v1.32.0-keelson";
    private static final long MEMORY_EVICTION_BYTES = 100L * 1024 * 1024;

    private final KubernetesClient client;
    private final String nodeName;
    private final String nodeIp;
    private final String hostname;
    private final String rootDir;
    private final Map<String, Quantity> systemReserved;
    private final Map<String, Quantity> kubeReserved;
    private final int maxPods;
    private final SystemInfo si = new SystemInfo();
    private final String bootId = UUID.randomUUID().toString();

    public NodeStatusReporter(KubernetesClient client, String nodeName, String nodeIp, String hostname, String rootDir,
                              Map<String, Quantity> systemReserved, Map<String, Quantity> kubeReserved, int maxPods) {
        this.client = client;
        this.nodeName = nodeName;
        this.nodeIp = nodeIp;
        this.hostname = hostname;
        this.rootDir = rootDir;
        this.systemReserved = systemReserved;
        this.kubeReserved = kubeReserved;
        this.maxPods = maxPods;
    }

    public static String arch() {
        String a = System.getProperty("os.arch");
        return switch (a) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }

    /** Creates the Node when it does not exist yet (keeping labels and spec of an existing one), then writes status. */
    public Node register(Health health) {
        Node existing = client.nodes().withName(nodeName).get();
        if (existing == null) {
            Node node = new NodeBuilder().withNewMetadata().withName(nodeName)
                    .addToLabels("kubernetes.io/hostname", nodeName)
                    .addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("kubernetes.io/arch", arch())
                    .addToLabels("beta.kubernetes.io/os", "linux")
                    .addToLabels("beta.kubernetes.io/arch", arch())
                    .endMetadata().withNewSpec().endSpec().build();
            try {
                client.nodes().resource(node).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        } else {
            Map<String, String> labels = existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
            if (!nodeName.equals(labels.get("kubernetes.io/hostname")) || !"linux".equals(labels.get("kubernetes.io/os"))
                    || !arch().equals(labels.get("kubernetes.io/arch"))) {
                String patch = "{\"metadata\":{\"labels\":{\"kubernetes.io/hostname\":\"" + nodeName
                        + "\",\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"" + arch() + "\"}}}";
                client.nodes().withName(nodeName).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            }
        }
        return report(health);
    }

    /** Writes the node's status (heartbeat included) and returns the Node as the API has it afterwards. */
    public Node report(Health health) {
        Node current = client.nodes().withName(nodeName).get();
        NodeStatus status = status(current, health, Instant.now());
        String body = "{\"status\":" + Serialization.asJson(status) + "}";
        return client.nodes().withName(nodeName).subresource("status").patch(PatchContext.of(PatchType.JSON_MERGE), body);
    }

    NodeStatus status(Node current, Health health, Instant now) {
        NodeCapacity.Host host = NodeCapacity.read(si, rootDir);
        Map<String, Quantity> capacity = NodeCapacity.capacity(host, maxPods);
        Map<String, Quantity> allocatable = NodeCapacity.allocatable(capacity, systemReserved, kubeReserved);
        List<NodeCondition> old = current == null || current.getStatus() == null || current.getStatus().getConditions() == null
                ? List.of() : current.getStatus().getConditions();
        List<NodeCondition> conditions = new ArrayList<>();
        boolean memoryPressure = host.availableMemoryBytes() < MEMORY_EVICTION_BYTES;
        boolean diskPressure = host.storageBytes() > 0 && host.availableStorageBytes() * 10 < host.storageBytes();
        conditions.add(condition(old, "MemoryPressure", memoryPressure,
                memoryPressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                memoryPressure ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available", now));
        conditions.add(condition(old, "DiskPressure", diskPressure,
                diskPressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                diskPressure ? "kubelet has disk pressure" : "kubelet has no disk pressure", now));
        conditions.add(condition(old, "PIDPressure", false, "KubeletHasSufficientPID",
                "kubelet has sufficient PID available", now));
        conditions.add(condition(old, "Ready", health.runtimeUp(),
                health.runtimeUp() ? "KubeletReady" : "KubeletNotReady",
                health.runtimeUp() ? "kubelet is posting ready status"
                        : "container runtime is down: " + health.runtimeError(), now));
        var os = si.getOperatingSystem();
        Map<String, Quantity> cap = new LinkedHashMap<>(capacity);
        return new NodeStatusBuilder()
                .withCapacity(cap)
                .withAllocatable(allocatable)
                .withConditions(conditions)
                .withAddresses(new NodeAddress(nodeIp, "InternalIP"), new NodeAddress(hostname, "Hostname"))
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(health.kubeletPort()).endKubeletEndpoint()
                .endDaemonEndpoints()
                .withNodeInfo(new NodeSystemInfoBuilder()
                        .withArchitecture(arch())
                        .withOperatingSystem("linux")
                        .withOsImage(os.toString())
                        .withKernelVersion(System.getProperty("os.version"))
                        .withContainerRuntimeVersion("docker://" + (health.runtimeVersion() == null ? "unknown" : health.runtimeVersion()))
                        .withKubeletVersion(KUBELET_VERSION)
                        .withKubeProxyVersion(KUBELET_VERSION)
                        .withBootID(bootId)
                        .withMachineID(machineId())
                        .withSystemUUID(machineId())
                        .build())
                .build();
    }

    private static String machineId() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/etc/machine-id")).trim();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static NodeCondition condition(List<NodeCondition> old, String type, boolean status, String reason,
                                           String message, Instant now) {
        String value = status ? "True" : "False";
        String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
        String since = stamp;
        for (NodeCondition c : old) {
            if (type.equals(c.getType()) && value.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                since = c.getLastTransitionTime();
            }
        }
        return new NodeConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
                .withLastHeartbeatTime(stamp).withLastTransitionTime(since).build();
    }
}
