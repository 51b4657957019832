package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * The Pod Security Standards' checks, in the order and with the reasons and details of Kubernetes'
 * pod-security-admission (policy/check_*.go): the baseline checks, then at restricted level the restricted ones, or at
 * baseline level the baseline checks restricted ones replace (capabilities, seccomp). A check answers null when the pod
 * passes it.
 */
final class PodSecurityStandards {
    private PodSecurityStandards() {}

    /** A failed check: {@code reason (detail)} in the message. */
    record Violation(String reason, String detail) {
        @Override
        public String toString() {
            return detail.isEmpty() ? reason : reason + " (" + detail + ")";
        }
    }

    /** A check and the first policy version (1.minor) it belongs to. */
    private record Check(int minMinor, BiFunction<JsonNode, JsonNode, Violation> fn) {}

    private static final List<Check> BASELINE = List.of(
            new Check(0, PodSecurityStandards::appArmor),
            new Check(0, PodSecurityStandards::hostNamespaces),
            new Check(0, PodSecurityStandards::hostPathVolumes),
            new Check(0, PodSecurityStandards::hostPorts),
            new Check(0, PodSecurityStandards::privileged),
            new Check(0, PodSecurityStandards::procMount),
            new Check(0, PodSecurityStandards::seLinuxOptions),
            new Check(0, PodSecurityStandards::sysctls));
    private static final List<Check> BASELINE_OVERLAP = List.of(
            new Check(0, PodSecurityStandards::capabilitiesBaseline),
            new Check(19, PodSecurityStandards::seccompBaseline));
    private static final List<Check> RESTRICTED = List.of(
            new Check(8, PodSecurityStandards::allowPrivilegeEscalation),
            new Check(22, PodSecurityStandards::capabilitiesRestricted),
            new Check(0, PodSecurityStandards::restrictedVolumes),
            new Check(0, PodSecurityStandards::runAsNonRoot),
            new Check(23, PodSecurityStandards::runAsUser),
            new Check(19, PodSecurityStandards::seccompRestricted));

    /**
     * The violations of a pod's metadata and spec at {@code level} ("privileged", "baseline", "restricted") of policy
     * version 1.{@code minor} (Integer.MAX_VALUE for latest).
     */
    static List<Violation> evaluate(String level, int minor, JsonNode metadata, JsonNode spec) {
        List<Violation> out = new ArrayList<>();
        if ("privileged".equals(level)) {
            return out;
        }
        run(BASELINE, minor, metadata, spec, out);
        run("baseline".equals(level) ? BASELINE_OVERLAP : RESTRICTED, minor, metadata, spec, out);
        return out;
    }

    private static void run(List<Check> checks, int minor, JsonNode metadata, JsonNode spec, List<Violation> out) {
        for (Check c : checks) {
            if (minor >= c.minMinor()) {
                Violation v = c.fn().apply(metadata, spec);
                if (v != null) {
                    out.add(v);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Init containers, containers, ephemeral containers: the order Kubernetes visits them in. */
    private static List<JsonNode> containers(JsonNode spec) {
        List<JsonNode> out = new ArrayList<>();
        for (String list : new String[] {"initContainers", "containers", "ephemeralContainers"}) {
            spec.path(list).forEach(out::add);
        }
        return out;
    }

    static String joinQuote(List<String> items) {
        return items.isEmpty() ? "" : "\"" + String.join("\", \"", items) + "\"";
    }

    private static String plural(String singular, String plural, int n) {
        return n == 1 ? singular : plural;
    }

    private static String containersPhrase(List<String> names) {
        return plural("container", "containers", names.size()) + " " + joinQuote(names);
    }

    private static JsonNode sc(JsonNode c) {
        return c.path("securityContext");
    }

    // ------------------------------------------------------------------ baseline

    private static Violation appArmor(JsonNode metadata, JsonNode spec) {
        TreeSet<String> bad = new TreeSet<>();
        Iterator<Map.Entry<String, JsonNode>> it = metadata.path("annotations").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String v = e.getValue().asText("");
            if (e.getKey().startsWith("container.apparmor.security.beta.kubernetes.io/")
                    && !(v.isEmpty() || v.equals("runtime/default") || v.startsWith("localhost/"))) {
                bad.add(e.getKey() + "=\"" + v + "\"");
            }
        }
        List<String> setters = new ArrayList<>();
        if ("Unconfined".equals(spec.path("securityContext").path("appArmorProfile").path("type").asText())) {
            setters.add("pod");
        }
        List<String> containers = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            if ("Unconfined".equals(sc(c).path("appArmorProfile").path("type").asText())) {
                containers.add(c.path("name").asText());
            }
        }
        if (!containers.isEmpty()) {
            setters.add(containersPhrase(containers));
        }
        if (!setters.isEmpty()) {
            bad.add(String.join(" and ", setters) + " must not set securityContext.appArmorProfile.type to "
                    + "\"Unconfined\"");
        }
        if (bad.isEmpty()) {
            return null;
        }
        return new Violation(plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.size()),
                String.join(", ", bad));
    }

    private static Violation hostNamespaces(JsonNode metadata, JsonNode spec) {
        TreeSet<String> host = new TreeSet<>();
        for (String f : new String[] {"hostNetwork", "hostPID", "hostIPC"}) {
            if (spec.path(f).asBoolean(false)) {
                host.add(f);
            }
        }
        return host.isEmpty() ? null : new Violation("host namespaces", String.join(", ", host));
    }

    private static Violation hostPathVolumes(JsonNode metadata, JsonNode spec) {
        List<String> names = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            if (v.hasNonNull("hostPath")) {
                names.add(v.path("name").asText());
            }
        }
        return names.isEmpty() ? null : new Violation("hostPath volumes",
                plural("volume", "volumes", names.size()) + " " + joinQuote(names));
    }

    private static Violation hostPorts(JsonNode metadata, JsonNode spec) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> ports = new TreeSet<>();
        for (JsonNode c : containers(spec)) {
            boolean valid = true;
            for (JsonNode p : c.path("ports")) {
                int hostPort = p.path("hostPort").asInt(0);
                if (hostPort != 0) {
                    valid = false;
                    ports.add(Integer.toString(hostPort));
                }
            }
            if (!valid) {
                bad.add(c.path("name").asText());
            }
        }
        if (bad.isEmpty()) {
            return null;
        }
        return new Violation("hostPort", containersPhrase(bad) + " " + plural("uses", "use", bad.size()) + " "
                + plural("hostPort", "hostPorts", ports.size()) + " " + String.join(", ", ports));
    }

    private static Violation privileged(JsonNode metadata, JsonNode spec) {
        List<String> bad = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            if (sc(c).path("privileged").asBoolean(false)) {
                bad.add(c.path("name").asText());
            }
        }
        return bad.isEmpty() ? null : new Violation("privileged",
                containersPhrase(bad) + " must not set securityContext.privileged=true");
    }

    private static Violation procMount(JsonNode metadata, JsonNode spec) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> types = new TreeSet<>();
        for (JsonNode c : containers(spec)) {
            String t = sc(c).path("procMount").asText("");
            if (!t.isEmpty() && !t.equals("Default")) {
                bad.add(c.path("name").asText());
                types.add(t);
            }
        }
        return bad.isEmpty() ? null : new Violation("procMount",
                containersPhrase(bad) + " must not set securityContext.procMount to " + joinQuote(List.copyOf(types)));
    }

    private static Violation seLinuxOptions(JsonNode metadata, JsonNode spec) {
        Set<String> allowed = Set.of("", "container_t", "container_init_t", "container_kvm_t");
        TreeSet<String> badTypes = new TreeSet<>();
        boolean[] userRole = new boolean[2];
        java.util.function.Predicate<JsonNode> valid = o -> {
            boolean ok = true;
            String t = o.path("type").asText("");
            if (!allowed.contains(t)) {
                ok = false;
                badTypes.add(t);
            }
            if (!o.path("user").asText("").isEmpty()) {
                ok = false;
                userRole[0] = true;
            }
            if (!o.path("role").asText("").isEmpty()) {
                ok = false;
                userRole[1] = true;
            }
            return ok;
        };
        List<String> setters = new ArrayList<>();
        JsonNode podOpts = spec.path("securityContext").path("seLinuxOptions");
        if (podOpts.isObject() && !valid.test(podOpts)) {
            setters.add("pod");
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            JsonNode o = sc(c).path("seLinuxOptions");
            if (o.isObject() && !valid.test(o)) {
                bad.add(c.path("name").asText());
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containersPhrase(bad));
        }
        if (setters.isEmpty()) {
            return null;
        }
        List<String> data = new ArrayList<>();
        if (!badTypes.isEmpty()) {
            data.add(plural("type", "types", badTypes.size()) + " " + joinQuote(List.copyOf(badTypes)));
            if (userRole[0]) {
                data.add("user may not be set");
            }
            if (userRole[1]) {
                data.add("role may not be set");
            }
        }
        return new Violation("seLinuxOptions", String.join(" and ", setters)
                + " set forbidden securityContext.seLinuxOptions: " + String.join("; ", data));
    }

    private static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem",
            "net.ipv4.tcp_wmem");

    private static Violation sysctls(JsonNode metadata, JsonNode spec) {
        List<String> bad = new ArrayList<>();
        for (JsonNode s : spec.path("securityContext").path("sysctls")) {
            String name = s.path("name").asText("");
            if (!SAFE_SYSCTLS.contains(name)) {
                bad.add(name);
            }
        }
        return bad.isEmpty() ? null : new Violation("forbidden sysctls", String.join(", ", bad));
    }

    private static final Set<String> DEFAULT_CAPABILITIES = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",
            "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

    private static Violation capabilitiesBaseline(JsonNode metadata, JsonNode spec) {
        List<String> bad = new ArrayList<>();
        TreeSet<String> caps = new TreeSet<>();
        for (JsonNode c : containers(spec)) {
            boolean valid = true;
            for (JsonNode cap : sc(c).path("capabilities").path("add")) {
                if (!DEFAULT_CAPABILITIES.contains(cap.asText())) {
                    valid = false;
                    caps.add(cap.asText());
                }
            }
            if (!valid) {
                bad.add(c.path("name").asText());
            }
        }
        return bad.isEmpty() ? null : new Violation("non-default capabilities", containersPhrase(bad)
                + " must not include " + joinQuote(List.copyOf(caps)) + " in securityContext.capabilities.add");
    }

    private static boolean validSeccomp(String type) {
        return type.equals("RuntimeDefault") || type.equals("Localhost");
    }

    private static Violation seccompBaseline(JsonNode metadata, JsonNode spec) {
        return seccomp(spec, false);
    }

    private static Violation seccompRestricted(JsonNode metadata, JsonNode spec) {
        return seccomp(spec, true);
    }

    private static Violation seccomp(JsonNode spec, boolean required) {
        List<String> setters = new ArrayList<>();
        TreeSet<String> badValues = new TreeSet<>();
        boolean podSet = false;
        JsonNode podProfile = spec.path("securityContext").path("seccompProfile");
        if (podProfile.isObject()) {
            String t = podProfile.path("type").asText("");
            if (!validSeccomp(t)) {
                setters.add("pod");
                badValues.add(t);
            } else {
                podSet = true;
            }
        }
        List<String> explicit = new ArrayList<>();
        List<String> implicit = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            JsonNode p = sc(c).path("seccompProfile");
            if (p.isObject()) {
                String t = p.path("type").asText("");
                if (!validSeccomp(t)) {
                    explicit.add(c.path("name").asText());
                    badValues.add(t);
                }
            } else if (!podSet) {
                implicit.add(c.path("name").asText());
            }
        }
        if (!explicit.isEmpty()) {
            setters.add(containersPhrase(explicit));
        }
        if (!setters.isEmpty()) {
            return new Violation("seccompProfile", String.join(" and ", setters)
                    + " must not set securityContext.seccompProfile.type to " + joinQuote(List.copyOf(badValues)));
        }
        if (required && !implicit.isEmpty()) {
            return new Violation("seccompProfile", "pod or " + containersPhrase(implicit)
                    + " must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
        }
        return null;
    }

    // ------------------------------------------------------------------ restricted

    private static Violation allowPrivilegeEscalation(JsonNode metadata, JsonNode spec) {
        List<String> bad = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            JsonNode ape = sc(c).path("allowPrivilegeEscalation");
            if (!ape.isBoolean() || ape.asBoolean()) {
                bad.add(c.path("name").asText());
            }
        }
        return bad.isEmpty() ? null : new Violation("allowPrivilegeEscalation != false",
                containersPhrase(bad) + " must set securityContext.allowPrivilegeEscalation=false");
    }

    private static Violation capabilitiesRestricted(JsonNode metadata, JsonNode spec) {
        List<String> missingDrop = new ArrayList<>();
        List<String> adding = new ArrayList<>();
        TreeSet<String> caps = new TreeSet<>();
        for (JsonNode c : containers(spec)) {
            JsonNode capabilities = sc(c).path("capabilities");
            if (!capabilities.isObject()) {
                missingDrop.add(c.path("name").asText());
                continue;
            }
            boolean droppedAll = false;
            for (JsonNode d : capabilities.path("drop")) {
                if ("ALL".equals(d.asText())) {
                    droppedAll = true;
                }
            }
            if (!droppedAll) {
                missingDrop.add(c.path("name").asText());
            }
            boolean forbidden = false;
            for (JsonNode a : capabilities.path("add")) {
                if (!"NET_BIND_SERVICE".equals(a.asText())) {
                    forbidden = true;
                    caps.add(a.asText());
                }
            }
            if (forbidden) {
                adding.add(c.path("name").asText());
            }
        }
        List<String> details = new ArrayList<>();
        if (!missingDrop.isEmpty()) {
            details.add(containersPhrase(missingDrop) + " must set securityContext.capabilities.drop=[\"ALL\"]");
        }
        if (!adding.isEmpty()) {
            details.add(containersPhrase(adding) + " must not include " + joinQuote(List.copyOf(caps))
                    + " in securityContext.capabilities.add");
        }
        return details.isEmpty() ? null : new Violation("unrestricted capabilities", String.join("; ", details));
    }

    private static final Set<String> ALLOWED_VOLUME_SOURCES = Set.of("configMap", "csi", "downwardAPI", "emptyDir",
            "ephemeral", "persistentVolumeClaim", "projected", "secret");

    private static Violation restrictedVolumes(JsonNode metadata, JsonNode spec) {
        TreeSet<String> bad = new TreeSet<>();
        for (JsonNode v : spec.path("volumes")) {
            boolean allowed = false;
            Iterator<String> fields = v.fieldNames();
            while (fields.hasNext()) {
                String f = fields.next();
                if (ALLOWED_VOLUME_SOURCES.contains(f) && !v.get(f).isNull()) {
                    allowed = true;
                }
            }
            if (!allowed) {
                bad.add(v.path("name").asText());
            }
        }
        if (bad.isEmpty()) {
            return null;
        }
        // Go's %q of a []string: ["a" "b"]
        List<String> quoted = bad.stream().map(n -> "\"" + n + "\"").toList();
        return new Violation("restricted volume types", "volumes [" + String.join(" ", quoted)
                + "] have restricted types");
    }

    private static Violation runAsNonRoot(JsonNode metadata, JsonNode spec) {
        List<String> setters = new ArrayList<>();
        boolean podNonRoot = false;
        JsonNode pod = spec.path("securityContext").path("runAsNonRoot");
        if (pod.isBoolean()) {
            if (!pod.asBoolean()) {
                setters.add("pod");
            } else {
                podNonRoot = true;
            }
        }
        List<String> explicit = new ArrayList<>();
        List<String> implicit = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            JsonNode v = sc(c).path("runAsNonRoot");
            if (v.isBoolean()) {
                if (!v.asBoolean()) {
                    explicit.add(c.path("name").asText());
                }
            } else if (!podNonRoot) {
                implicit.add(c.path("name").asText());
            }
        }
        if (!explicit.isEmpty()) {
            setters.add(containersPhrase(explicit));
        }
        if (!setters.isEmpty()) {
            return new Violation("runAsNonRoot != true", String.join(" and ", setters)
                    + " must not set securityContext.runAsNonRoot=false");
        }
        if (!implicit.isEmpty()) {
            return new Violation("runAsNonRoot != true", "pod or " + containersPhrase(implicit)
                    + " must set securityContext.runAsNonRoot=true");
        }
        return null;
    }

    private static Violation runAsUser(JsonNode metadata, JsonNode spec) {
        List<String> setters = new ArrayList<>();
        JsonNode pod = spec.path("securityContext").path("runAsUser");
        if (pod.isNumber() && pod.asLong() == 0) {
            setters.add("pod");
        }
        List<String> bad = new ArrayList<>();
        for (JsonNode c : containers(spec)) {
            JsonNode v = sc(c).path("runAsUser");
            if (v.isNumber() && v.asLong() == 0) {
                bad.add(c.path("name").asText());
            }
        }
        if (!bad.isEmpty()) {
            setters.add(containersPhrase(bad));
        }
        return setters.isEmpty() ? null : new Violation("runAsUser=0",
                String.join(" and ", setters) + " must not set runAsUser=0");
    }
}
