package dev.keelson.kubelet.runtime;

import java.util.List;

/**
 * A container's Linux security settings (CRI's LinuxContainerSecurityContext), merged from the container's and the
 * pod's securityContext.
 *
 * @param capAdd capability names as the spec gives them (with or without CAP_, or ALL)
 * @param user {@code uid} or {@code uid:gid}, null for the image's user
 * @param groupAdd supplemental groups (fsGroup and supplementalGroups) on top of the user's own
 * @param noNewPrivileges no_new_privs: setuid binaries and file capabilities cannot raise privileges
 * @param seccomp the seccomp profile to apply
 * @param appArmor the AppArmor profile, or null where the host has no AppArmor (nothing to apply)
 */
public record SecurityConfig(
        boolean privileged,
        boolean readOnlyRootfs,
        List<String> capAdd,
        List<String> capDrop,
        String user,
        List<Long> groupAdd,
        boolean noNewPrivileges,
        Profile seccomp,
        Profile appArmor) {

    public static final SecurityConfig DEFAULT = new SecurityConfig(false, false, List.of(), List.of(), null, List.of(),
            false, Profile.UNCONFINED, null);

    /** Where a seccomp or AppArmor profile comes from, as in the pod API. */
    public enum ProfileType { RUNTIME_DEFAULT, UNCONFINED, LOCALHOST }

    /**
     * @param localhost for LOCALHOST: the seccomp profile's JSON, or the name of the loaded AppArmor profile
     */
    public record Profile(ProfileType type, String localhost) {
        public static final Profile RUNTIME_DEFAULT = new Profile(ProfileType.RUNTIME_DEFAULT, null);
        public static final Profile UNCONFINED = new Profile(ProfileType.UNCONFINED, null);
    }
}
