package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.images.ImagePolicy;
import dev.keelson.kubelet.network.PodDnsFiles;
import dev.keelson.kubelet.runtime.ContainerConfig;
import dev.keelson.kubelet.runtime.ContainerRecord;
import dev.keelson.kubelet.runtime.NamespaceMode;
import dev.keelson.kubelet.runtime.SecurityConfig;
import dev.keelson.kubelet.volume.VolumeManager;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one container of the pod spec into the runtime's {@link ContainerConfig}: env resolved, volumes, the
 * termination-log file and the pod's /etc/hosts and /etc/resolv.conf mounted, resources and security context mapped, as Kubernetes' kuberuntime does.
 */
final class ContainerConfigs {
    private static final Logger log = LoggerFactory.getLogger(ContainerConfigs.class);

    private final KubernetesClient client;
    private final VolumeManager volumes;
    private final String nodeName;
    private final Supplier<String> hostIp;
    private final SecurityContexts security;
    private final PodDnsFiles dnsFiles;

    ContainerConfigs(KubernetesClient client, VolumeManager volumes, String nodeName, Supplier<String> hostIp,
                     SecurityContexts security, PodDnsFiles dnsFiles) {
        this.client = client;
        this.volumes = volumes;
        this.nodeName = nodeName;
        this.hostIp = hostIp;
        this.security = security;
        this.dnsFiles = dnsFiles;
    }

    /** The service variables of the pod's namespace (and default's `kubernetes`), read when a container is made. */
    private Map<String, String> serviceEnv(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        boolean links = !Boolean.FALSE.equals(pod.getSpec().getEnableServiceLinks());
        List<io.fabric8.kubernetes.api.model.Service> services = new ArrayList<>();
        if (links) {
            services.addAll(client.services().inNamespace(ns).list().getItems());
        }
        if (!links || !"default".equals(ns)) {
            io.fabric8.kubernetes.api.model.Service k = client.services().inNamespace("default").withName("kubernetes")
                    .get();
            if (k != null) {
                services.add(k);
            }
        }
        return ServiceEnv.of(services, ns, links);
    }

    ContainerConfig build(Pod pod, Container spec, String kind, int restartCount, ContainerRecord sandbox, String podIp,
                          Map<String, Path> podVolumes) {
        String ns = pod.getMetadata().getNamespace();
        String image = ImagePolicy.normalize(spec.getImage());
        SecurityConfig securityConfig = security.of(pod, spec, image);
        EnvResolver resolver = new EnvResolver(name -> client.configMaps().inNamespace(ns).withName(name).get(),
                name -> client.secrets().inNamespace(ns).withName(name).get());
        Map<String, String> env = resolver.resolve(pod, spec, podIp, hostIp.get(), serviceEnv(pod));
        List<String> mounts = new ArrayList<>(volumes.binds(spec, podVolumes, pod));
        String messagePath = spec.getTerminationMessagePath() == null || spec.getTerminationMessagePath().isEmpty()
                ? "/dev/termination-log" : spec.getTerminationMessagePath();
        Path terminationLog = terminationLog(pod, spec, restartCount);
        try {
            Files.createDirectories(terminationLog.getParent());
            Files.deleteIfExists(terminationLog);
            Files.createFile(terminationLog);
            Files.setPosixFilePermissions(terminationLog, PosixFilePermissions.fromString("rw-rw-rw-"));
            mounts.add(terminationLog + ":" + messagePath);
        } catch (IOException e) {
            log.debug("no termination message file for {}: {}", spec.getName(), e.getMessage());
        }
        mounts.addAll(dnsFiles.mounts(pod, spec, volumes.podDir(pod.getMetadata().getUid()), podIp));
        List<String> command = EnvResolver.expandAll(spec.getCommand(), env);
        List<String> args = EnvResolver.expandAll(spec.getArgs(), env);
        List<String> entrypoint = null;
        List<String> cmd = null;
        if (command != null && !command.isEmpty()) {
            entrypoint = command;
            cmd = args == null ? List.of() : args;
        } else if (args != null && !args.isEmpty()) {
            cmd = args;
        }
        return new ContainerConfig(
                RuntimeNames.containerName(pod, spec.getName(), restartCount),
                image,
                RuntimeNames.labels(nodeName, pod, kind, spec.getName(), restartCount),
                env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList(),
                entrypoint,
                cmd,
                spec.getWorkingDir() == null || spec.getWorkingDir().isEmpty() ? null : spec.getWorkingDir(),
                Boolean.TRUE.equals(spec.getTty()),
                Boolean.TRUE.equals(spec.getStdin()),
                mounts,
                sandbox.id(),
                Boolean.TRUE.equals(pod.getSpec().getHostPID()) ? NamespaceMode.NODE
                        : Boolean.TRUE.equals(pod.getSpec().getShareProcessNamespace()) ? NamespaceMode.POD
                        : NamespaceMode.CONTAINER,
                Boolean.TRUE.equals(pod.getSpec().getHostIPC()) ? NamespaceMode.NODE : NamespaceMode.POD,
                resources(spec),
                securityConfig);
    }

    /** limits.memory -> memory (no extra swap); limits.cpu -> CFS quota; requests.cpu -> shares, as the kubelet maps them. */
    static ContainerConfig.Resources resources(Container spec) {
        if (spec.getResources() == null) {
            return ContainerConfig.Resources.NONE;
        }
        Map<String, Quantity> limits = spec.getResources().getLimits();
        Map<String, Quantity> requests = spec.getResources().getRequests();
        Long memory = null;
        Long period = null;
        Long quota = null;
        Integer shares = null;
        if (limits != null && limits.get("memory") != null) {
            memory = Quantity.getAmountInBytes(limits.get("memory")).longValue();
        }
        if (limits != null && limits.get("cpu") != null) {
            period = 100_000L;
            quota = Math.max(1000L, milliCpu(limits.get("cpu")) * 100);
        }
        Quantity cpuRequest = requests != null && requests.get("cpu") != null ? requests.get("cpu")
                : limits != null ? limits.get("cpu") : null;
        if (cpuRequest != null) {
            shares = (int) Math.max(2, milliCpu(cpuRequest) * 1024 / 1000);
        }
        return new ContainerConfig.Resources(memory, period, quota, shares);
    }

    static long milliCpu(Quantity q) {
        return q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValue();
    }

    /** The host file mounted at the container's terminationMessagePath, one per attempt. */
    Path terminationLog(Pod pod, Container spec, int attempt) {
        return volumes.podDir(pod.getMetadata().getUid()).resolve("containers").resolve(spec.getName())
                .resolve(attempt + "-termination-log");
    }

    /** What the attempt wrote to its termination-log (at most 4 KiB), or null. */
    String terminationMessage(Pod pod, Container spec, int attempt) {
        Path file = terminationLog(pod, spec, attempt);
        try {
            if (Files.isRegularFile(file) && Files.size(file) > 0) {
                byte[] bytes = Files.readAllBytes(file);
                return new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            log.debug("cannot read termination message {}: {}", file, e.getMessage());
        }
        return null;
    }
}
