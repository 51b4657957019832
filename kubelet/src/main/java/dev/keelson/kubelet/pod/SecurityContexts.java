package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.SecurityConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.List;

/** A container's securityContext, merged with the pod's (the container's fields win), as the runtime applies it. */
final class SecurityContexts {
    private SecurityContexts() {}

    static SecurityConfig of(Pod pod, Container spec) {
        SecurityContext sc = spec.getSecurityContext();
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        Long runAsUser = sc != null && sc.getRunAsUser() != null ? sc.getRunAsUser()
                : psc != null ? psc.getRunAsUser() : null;
        Long runAsGroup = sc != null && sc.getRunAsGroup() != null ? sc.getRunAsGroup()
                : psc != null ? psc.getRunAsGroup() : null;
        String user = runAsUser == null ? null : runAsGroup == null ? runAsUser.toString() : runAsUser + ":" + runAsGroup;
        if (sc == null) {
            return new SecurityConfig(false, false, List.of(), List.of(), user);
        }
        List<String> add = sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null ? List.of()
                : sc.getCapabilities().getAdd();
        List<String> drop = sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null ? List.of()
                : sc.getCapabilities().getDrop();
        return new SecurityConfig(Boolean.TRUE.equals(sc.getPrivileged()), Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()),
                add, drop, user);
    }
}
