package dev.keelson.kubelet.pod;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The kubelet's admission of a pod before any of it starts, as Kubernetes' sysctl allowlist and AppArmor admit
 * handlers: a pod asking for a sysctl outside the safe set, or for AppArmor on a host without it, is rejected (phase
 * Failed, with the handler's reason) instead of run without what it asked for.
 */
final class PodAdmission {
    /** Why a pod may not run on this node: the pod's status reason and the handler's message. */
    record Rejection(String reason, String message) {}

    /** Kubernetes' safe sysctls: namespaced, and without effect on other pods of the node. */
    static final List<String> SAFE_SYSCTLS = List.of(
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time");

    private static final String APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

    private final BooleanSupplier appArmorEnabled;

    PodAdmission(BooleanSupplier appArmorEnabled) {
        this.appArmorEnabled = appArmorEnabled;
    }

    /** Whether this host enforces AppArmor, as runc decides it (the module is loaded and enabled). */
    static boolean hostHasAppArmor() {
        try {
            return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).startsWith("Y");
        } catch (IOException e) {
            return false;
        }
    }

    boolean appArmorEnabled() {
        return appArmorEnabled.getAsBoolean();
    }

    /** @return null when the pod may run here */
    Rejection check(Pod pod) {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        if (psc != null && psc.getSysctls() != null) {
            for (Sysctl s : psc.getSysctls()) {
                String problem = sysctlProblem(s.getName(), Boolean.TRUE.equals(pod.getSpec().getHostNetwork()),
                        Boolean.TRUE.equals(pod.getSpec().getHostIPC()));
                if (problem != null) {
                    return new Rejection("SysctlForbidden", "forbidden sysctl: " + problem);
                }
            }
        }
        if (appArmorRequired(pod) && !appArmorEnabled.getAsBoolean()) {
            return new Rejection("AppArmor", "Cannot enforce AppArmor: AppArmor is not enabled on the host");
        }
        return null;
    }

    /** As the allowlist's validateSysctl: null when allowed, else why not. */
    static String sysctlProblem(String rawName, boolean hostNetwork, boolean hostIpc) {
        String name = dotted(rawName);
        if (!SAFE_SYSCTLS.contains(name)) {
            return "\"" + name + "\" not allowlisted";
        }
        if (name.startsWith("kernel.shm") && hostIpc) {
            return "\"" + name + "\" not allowed with host ipc enabled";
        }
        if (name.startsWith("net.") && hostNetwork) {
            return "\"" + name + "\" not allowed with host net enabled";
        }
        return null;
    }

    /** The pod's sysctls by dotted name (the API also accepts {@code net/ipv4/...} with dots inside names). */
    static Map<String, String> sysctls(Pod pod) {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        Map<String, String> out = new LinkedHashMap<>();
        if (psc != null && psc.getSysctls() != null) {
            for (Sysctl s : psc.getSysctls()) {
                out.put(dotted(s.getName()), s.getValue() == null ? "" : s.getValue());
            }
        }
        return out;
    }

    /** Kubernetes' ConvertSysctlVariableToDotsSeparator: a name whose first separator is '/' swaps '/' and '.'. */
    static String dotted(String name) {
        if (name == null) {
            return "";
        }
        int firstSep = -1;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '.' || name.charAt(i) == '/') {
                firstSep = i;
                break;
            }
        }
        if (firstSep < 0 || name.charAt(firstSep) == '.') {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            b.append(c == '/' ? '.' : c == '.' ? '/' : c);
        }
        return b.toString();
    }

    /** A profile other than Unconfined anywhere in the pod (fields or the older annotations) needs AppArmor. */
    static boolean appArmorRequired(Pod pod) {
        PodSecurityContext psc = pod.getSpec().getSecurityContext();
        if (psc != null && psc.getAppArmorProfile() != null && !"Unconfined".equals(psc.getAppArmorProfile().getType())) {
            return true;
        }
        List<Container> all = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            all.addAll(pod.getSpec().getInitContainers());
        }
        for (Container c : all) {
            SecurityContext sc = c.getSecurityContext();
            if (sc != null && sc.getAppArmorProfile() != null && !"Unconfined".equals(sc.getAppArmorProfile().getType())) {
                return true;
            }
        }
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations != null) {
            for (Map.Entry<String, String> e : annotations.entrySet()) {
                if (e.getKey().startsWith(APPARMOR_ANNOTATION_PREFIX) && !"unconfined".equals(e.getValue())) {
                    return true;
                }
            }
        }
        return false;
    }
}
