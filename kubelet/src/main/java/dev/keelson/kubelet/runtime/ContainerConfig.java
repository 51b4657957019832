package dev.keelson.kubelet.runtime;

import java.util.List;
import java.util.Map;

/**
 * Everything the runtime needs to create one container of a pod in its sandbox (CRI's ContainerConfig), already
 * resolved from the pod spec: env expanded, volumes as host paths, security context merged with the pod's.
 *
 * @param entrypoint null keeps the image's entrypoint
 * @param cmd null keeps the image's command
 * @param mounts bind mounts as {@code host:container[:ro]}
 * @param pid POD shares the sandbox's PID namespace (shareProcessNamespace), NODE the host's (hostPID)
 * @param ipc POD shares the sandbox's IPC namespace, NODE the host's (hostIPC)
 */
public record ContainerConfig(
        String name,
        String image,
        Map<String, String> labels,
        List<String> env,
        List<String> entrypoint,
        List<String> cmd,
        String workingDir,
        boolean tty,
        boolean stdin,
        List<String> mounts,
        String sandboxId,
        NamespaceMode pid,
        NamespaceMode ipc,
        Resources resources,
        SecurityConfig security) {

    /**
     * Cgroup settings, as the kubelet derives them from requests and limits; null fields are left to the runtime.
     */
    public record Resources(Long memoryBytes, Long cpuPeriod, Long cpuQuota, Integer cpuShares) {
        public static final Resources NONE = new Resources(null, null, null, null);
    }
}
