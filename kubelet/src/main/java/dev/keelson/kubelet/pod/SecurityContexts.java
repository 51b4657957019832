package dev.keelson.kubelet.pod;

import dev.keelson.kubelet.runtime.ContainerConfigException;
import dev.keelson.kubelet.runtime.SecurityConfig;
import dev.keelson.kubelet.runtime.SecurityConfig.Profile;
import dev.keelson.kubelet.runtime.SecurityConfig.ProfileType;
import io.fabric8.kubernetes.api.model.AppArmorProfile;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A container's securityContext merged with the pod's (the container's fields win), as Kubernetes' kuberuntime turns
 * it into the runtime's: user and groups, capabilities, no_new_privs, seccomp and AppArmor profiles, and the checks
 * that refuse to start a container (runAsNonRoot against the image's user, procMount, a missing seccomp profile).
 */
final class SecurityContexts {
    /** The most a Localhost seccomp profile may weigh: Docker's own default profile is ~20 KB. */
    static final long MAX_SECCOMP_PROFILE_BYTES = 1 << 20;

    private final Path seccompRoot;
    private final boolean appArmorEnabled;
    private final Function<String, String> imageUser;

    /**
     * @param seccompRoot the kubelet's seccomp directory ({@code <root-dir>/seccomp}): Localhost profiles are relative to it
     * @param imageUser the user an image runs as by default (see {@code ContainerRuntime.imageUser})
     */
    SecurityContexts(Path seccompRoot, boolean appArmorEnabled, Function<String, String> imageUser) {
        this.seccompRoot = seccompRoot;
        this.appArmorEnabled = appArmorEnabled;
        this.imageUser = imageUser;
    }

    /** @param image the normalized image reference the container will run */
    SecurityConfig of(Pod pod, Container spec, String image) {
        SecurityContext sc = spec.getSecurityContext() == null ? new SecurityContext() : spec.getSecurityContext();
        PodSecurityContext psc = pod.getSpec().getSecurityContext() == null ? new PodSecurityContext()
                : pod.getSpec().getSecurityContext();
        Long runAsUser = sc.getRunAsUser() != null ? sc.getRunAsUser() : psc.getRunAsUser();
        Long runAsGroup = sc.getRunAsGroup() != null ? sc.getRunAsGroup() : psc.getRunAsGroup();
        Boolean runAsNonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : psc.getRunAsNonRoot();
        if (Boolean.TRUE.equals(runAsNonRoot)) {
            verifyRunAsNonRoot(pod, spec, runAsUser, image);
        }
        if ("Unmasked".equals(sc.getProcMount()) && !Boolean.FALSE.equals(pod.getSpec().getHostUsers())) {
            throw new ContainerConfigException("procMount \"Unmasked\": `hostUsers` must be false to use `Unmasked`");
        }
        String user = runAsUser == null ? null : runAsGroup == null ? runAsUser.toString() : runAsUser + ":" + runAsGroup;
        boolean privileged = Boolean.TRUE.equals(sc.getPrivileged());
        List<String> add = sc.getCapabilities() == null || sc.getCapabilities().getAdd() == null ? List.of()
                : sc.getCapabilities().getAdd();
        List<String> drop = sc.getCapabilities() == null || sc.getCapabilities().getDrop() == null ? List.of()
                : sc.getCapabilities().getDrop();
        return new SecurityConfig(privileged, Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem()), add, drop, user,
                groups(psc), Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation()),
                seccomp(sc.getSeccompProfile() != null ? sc.getSeccompProfile() : psc.getSeccompProfile()),
                appArmorEnabled ? appArmor(sc.getAppArmorProfile() != null ? sc.getAppArmorProfile() : psc.getAppArmorProfile())
                        : null);
    }

    /** fsGroup, then supplementalGroups, each once: the container's processes carry them besides the user's groups. */
    private static List<Long> groups(PodSecurityContext psc) {
        Set<Long> groups = new LinkedHashSet<>();
        if (psc.getFsGroup() != null) {
            groups.add(psc.getFsGroup());
        }
        if (psc.getSupplementalGroups() != null) {
            groups.addAll(psc.getSupplementalGroups());
        }
        return new ArrayList<>(groups);
    }

    /** As kuberuntime's verifyRunAsNonRoot, with the messages Kubernetes prints. */
    private void verifyRunAsNonRoot(Pod pod, Container spec, Long runAsUser, String image) {
        String where = "(pod: \"" + pod.getMetadata().getName() + "_" + pod.getMetadata().getNamespace() + "("
                + pod.getMetadata().getUid() + ")\", container: " + spec.getName() + ")";
        if (runAsUser != null) {
            if (runAsUser == 0) {
                throw new ContainerConfigException("container's runAsUser breaks non-root policy " + where);
            }
            return;
        }
        String imageUserName = imageUser.apply(image);
        // "uid", "uid:gid", "name" or "name:group"; none at all is root
        String userPart = imageUserName == null ? "" : imageUserName.split(":", 2)[0];
        if (userPart.isEmpty()) {
            throw new ContainerConfigException("container has runAsNonRoot and image will run as root " + where);
        }
        long uid;
        try {
            uid = Long.parseLong(userPart);
        } catch (NumberFormatException e) {
            throw new ContainerConfigException("container has runAsNonRoot and image has non-numeric user (" + userPart
                    + "), cannot verify user is non-root " + where);
        }
        if (uid == 0) {
            throw new ContainerConfigException("container has runAsNonRoot and image will run as root " + where);
        }
    }

    /**
     * The seccomp profile: none given is Unconfined, as the kubelet's default (seccompDefault: false); Localhost reads
     * the profile from the kubelet's seccomp directory, never from outside it.
     */
    Profile seccomp(SeccompProfile profile) {
        if (profile == null || profile.getType() == null || profile.getType().equals("Unconfined")) {
            return Profile.UNCONFINED;
        }
        if (profile.getType().equals("RuntimeDefault")) {
            return Profile.RUNTIME_DEFAULT;
        }
        if (!profile.getType().equals("Localhost")) {
            throw new ContainerConfigException("unknown seccomp profile type " + profile.getType());
        }
        String name = profile.getLocalhostProfile() == null ? "" : profile.getLocalhostProfile();
        Path file = seccompRoot.resolve(name).normalize();
        if (name.isEmpty() || !file.startsWith(seccompRoot.normalize()) || file.equals(seccompRoot.normalize())) {
            throw new ContainerConfigException("CreateContainerError",
                    "invalid seccomp localhostProfile \"" + name + "\": must be a file under the kubelet's seccomp directory");
        }
        try {
            if (Files.size(file) > MAX_SECCOMP_PROFILE_BYTES) {
                throw new ContainerConfigException("CreateContainerError", "cannot load seccomp profile \"" + file
                        + "\": larger than " + MAX_SECCOMP_PROFILE_BYTES + " bytes");
            }
            return new Profile(ProfileType.LOCALHOST, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            String why = e instanceof java.nio.file.NoSuchFileException ? "no such file or directory" : e.toString();
            throw new ContainerConfigException("CreateContainerError",
                    "cannot load seccomp profile \"" + file + "\": " + why);
        }
    }

    /** The AppArmor profile on a host that has AppArmor: none given is the runtime's default profile. */
    static Profile appArmor(AppArmorProfile profile) {
        if (profile == null || profile.getType() == null || profile.getType().equals("RuntimeDefault")) {
            return Profile.RUNTIME_DEFAULT;
        }
        if (profile.getType().equals("Unconfined")) {
            return Profile.UNCONFINED;
        }
        if (!profile.getType().equals("Localhost") || profile.getLocalhostProfile() == null
                || profile.getLocalhostProfile().isBlank()) {
            throw new ContainerConfigException("invalid AppArmor profile " + profile.getType()
                    + (profile.getLocalhostProfile() == null ? "" : " " + profile.getLocalhostProfile()));
        }
        return new Profile(ProfileType.LOCALHOST, profile.getLocalhostProfile());
    }
}
