package dev.keelson.kubelet.runtime;

import java.util.List;

/**
 * A container's Linux security settings (CRI's LinuxContainerSecurityContext), merged from the container's and the
 * pod's securityContext.
 *
 * @param capAdd capability names as the spec gives them (with or without CAP_, or ALL)
 * @param user {@code uid} or {@code uid:gid}, null for the image's user
 */
public record SecurityConfig(
        boolean privileged,
        boolean readOnlyRootfs,
        List<String> capAdd,
        List<String> capDrop,
        String user) {

    public static final SecurityConfig DEFAULT = new SecurityConfig(false, false, List.of(), List.of(), null);
}
