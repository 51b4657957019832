package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes' PodSecurity admission: the Pod Security Standards level a namespace's
 * {@code pod-security.kubernetes.io/enforce|warn|audit} labels (and their {@code -version}) choose. Enforce refuses a
 * pod that violates it ({@code pods "x" is forbidden: violates PodSecurity "restricted:latest": ...}); warn answers
 * the violations as HTTP warnings, for pods and for objects with a pod template; audit is not recorded (no audit log).
 * Invalid labels on a namespace are refused; a stricter enforce level warns about the namespace's existing pods.
 */
final class PodSecurity implements AdmissionPlugin {
    static final String NAME = "PodSecurity";
    private static final String PREFIX = "pod-security.kubernetes.io/";
    private static final Pattern VERSION = Pattern.compile("^v1\\.([0-9]|[1-9][0-9]*)$");
    private static final int LATEST = Integer.MAX_VALUE;
    /** Subresources of pods that cannot change the pod spec. */
    private static final java.util.Set<String> IGNORED_POD_SUBRESOURCES = java.util.Set.of("exec", "attach",
            "binding", "eviction", "log", "portforward", "proxy", "status");
    private static final int MAX_PODS_CHECKED = 3000;

    private final PluginContext context;

    PodSecurity(PluginContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean validating() {
        return true;
    }

    /** A level and version, printed as Kubernetes does ({@code restricted:latest}, {@code baseline:v1.25}). */
    record LevelVersion(String level, int minor) {
        @Override
        public String toString() {
            return level + ":" + (minor == LATEST ? "latest" : "v1." + minor);
        }
    }

    /** The namespace's policy and the errors its labels had (the policy is still valid then, as Kubernetes' is). */
    record Policy(LevelVersion enforce, LevelVersion audit, LevelVersion warn, List<String> errors) {}

    static Policy policy(JsonNode labels) {
        List<String> errors = new ArrayList<>();
        String[] enforce = {"privileged", null};
        String[] audit = {"privileged", null};
        String[] warn = {"privileged", null};
        int[] minors = {LATEST, LATEST, LATEST};
        String[][] levels = {enforce, audit, warn};
        String[] modes = {"enforce", "audit", "warn"};
        for (int i = 0; i < 3; i++) {
            JsonNode level = labels.get(PREFIX + modes[i]);
            if (level != null) {
                String l = level.asText();
                if (l.equals("privileged") || l.equals("baseline") || l.equals("restricted")) {
                    levels[i][0] = l;
                } else {
                    errors.add(invalid(PREFIX + modes[i], l, "must be one of privileged, baseline, restricted"));
                    // enforce fails closed; audit and warn fail open, as Kubernetes does
                    levels[i][0] = i == 0 ? "restricted" : "privileged";
                }
            }
            JsonNode version = labels.get(PREFIX + modes[i] + "-version");
            if (version != null) {
                String v = version.asText();
                Matcher m = VERSION.matcher(v);
                if (v.equals("latest")) {
                    minors[i] = LATEST;
                } else if (m.matches()) {
                    minors[i] = Integer.parseInt(m.group(1));
                } else {
                    errors.add(invalid(PREFIX + modes[i] + "-version", v, "must be \"latest\" or \"v1.x\""));
                }
            }
        }
        return new Policy(new LevelVersion(enforce[0], minors[0]), new LevelVersion(audit[0], minors[1]),
                new LevelVersion(warn[0], minors[2]), errors);
    }

    private static String invalid(String label, String value, String why) {
        return "metadata.labels[" + label + "]: Invalid value: \"" + value + "\": " + why;
    }

    @Override
    public CompletableFuture<Void> validate(AdmissionRequest r) {
        if (r.operation() != Operation.CREATE && r.operation() != Operation.UPDATE) {
            return DONE;
        }
        if (r.isResource("", "namespaces")) {
            return r.subresource().isEmpty() ? namespace(r) : DONE;
        }
        if (!r.type().namespaced()) {
            return DONE;
        }
        if (r.isResource("", "pods")) {
            if (IGNORED_POD_SUBRESOURCES.contains(r.subresource())) {
                return DONE;
            }
            if (r.operation() == Operation.UPDATE && !significantPodUpdate(r.object(), r.oldObject())) {
                return DONE;
            }
            return withPolicy(r, p -> evaluate(r, p, r.object().path("metadata"), r.object().path("spec"), true));
        }
        JsonNode template = podTemplate(r);
        if (template == null || !r.subresource().isEmpty()) {
            return DONE;
        }
        return withPolicy(r, p -> evaluate(r, p, template.path("metadata"), template.path("spec"), false));
    }

    /** The pod template of a workload object, or null for kinds without one. */
    private static JsonNode podTemplate(AdmissionRequest r) {
        String key = r.group() + "/" + r.resource();
        JsonNode t = switch (key) {
            case "/podtemplates" -> r.object().path("template");
            case "/replicationcontrollers", "apps/deployments", "apps/replicasets", "apps/statefulsets",
                 "apps/daemonsets", "batch/jobs" -> r.object().path("spec").path("template");
            case "batch/cronjobs" -> r.object().path("spec").path("jobTemplate").path("spec").path("template");
            default -> null;
        };
        return t == null || !t.isObject() ? null : t;
    }

    private CompletableFuture<Void> withPolicy(AdmissionRequest r, java.util.function.Consumer<Policy> check) {
        return context.namespace(r.namespace()).handle((ns, err) -> {
            if (err != null) {
                throw new ApiException(500, "InternalError", forbiddenPrefix(r)
                        + "failed to lookup namespace " + r.namespace(), details(r));
            }
            check.accept(policy(ns.path("metadata").path("labels")));
            return null;
        });
    }

    private void evaluate(AdmissionRequest r, Policy p, JsonNode metadata, JsonNode spec, boolean enforce) {
        Map<LevelVersion, List<PodSecurityStandards.Violation>> cache = new LinkedHashMap<>();
        if (enforce) {
            List<PodSecurityStandards.Violation> v = cache.computeIfAbsent(p.enforce(), lv -> check(lv, metadata, spec));
            if (!v.isEmpty()) {
                throw new ApiException(403, "Forbidden", forbiddenPrefix(r) + "violates PodSecurity \""
                        + p.enforce() + "\": " + detail(v), details(r));
            }
        }
        List<PodSecurityStandards.Violation> w = cache.computeIfAbsent(p.warn(), lv -> check(lv, metadata, spec));
        if (!w.isEmpty()) {
            r.warn("would violate PodSecurity \"" + p.warn() + "\": " + detail(w));
        }
    }

    private static List<PodSecurityStandards.Violation> check(LevelVersion lv, JsonNode metadata, JsonNode spec) {
        return PodSecurityStandards.evaluate(lv.level(), lv.minor(), metadata, spec);
    }

    static String detail(List<PodSecurityStandards.Violation> violations) {
        List<String> parts = new ArrayList<>();
        violations.forEach(v -> parts.add(v.toString()));
        return String.join(", ", parts);
    }

    private static String forbiddenPrefix(AdmissionRequest r) {
        String name = r.name();
        return ApiException.qualified(r.resource(), r.group()) + (name.isEmpty() ? "" : " \"" + name + "\"")
                + " is forbidden: ";
    }

    private static ObjectNode details(AdmissionRequest r) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        d.put("name", r.name());
        if (!r.group().isEmpty()) {
            d.put("group", r.group());
        }
        d.put("kind", r.resource());
        return d;
    }

    /** Namespaces: labels must parse; a stricter enforce level on update warns about the pods it would refuse. */
    private CompletableFuture<Void> namespace(AdmissionRequest r) {
        Policy policy = policy(r.object().path("metadata").path("labels"));
        if (!policy.errors().isEmpty()) {
            if (r.operation() == Operation.UPDATE) {
                Policy old = policy(r.oldObject().path("metadata").path("labels"));
                if (old.errors().equals(policy.errors())) {
                    return DONE;
                }
            }
            String msg = policy.errors().size() == 1 ? policy.errors().get(0)
                    : "[" + String.join(", ", policy.errors()) + "]";
            throw new ApiException(422, "Invalid", forbiddenPrefix(r) + msg, details(r));
        }
        if (r.operation() != Operation.UPDATE) {
            return DONE;
        }
        Policy old = policy(r.oldObject().path("metadata").path("labels"));
        LevelVersion now = policy.enforce();
        if (now.equals(old.enforce()) || now.level().equals("privileged")
                || now.minor() == old.enforce().minor() && rank(now.level()) <= rank(old.enforce().level())) {
            return DONE;
        }
        warnExistingPods(r, now);
        return DONE;
    }

    private static int rank(String level) {
        return switch (level) {
            case "privileged" -> 0;
            case "baseline" -> 1;
            default -> 2;
        };
    }

    private void warnExistingPods(AdmissionRequest r, LevelVersion enforce) {
        ResourceType pods = context.type("", "pods");
        GenericStore store = context.stores().get(pods);
        String namespace = r.name();
        List<ObjectNode> all = new ArrayList<>(store.cache().snapshot(pods.prefix(namespace)).objects());
        int total = all.size();
        List<ObjectNode> checked = all.size() > MAX_PODS_CHECKED ? all.subList(0, MAX_PODS_CHECKED) : all;
        Map<String, String[]> byWarning = new TreeMap<>();
        for (ObjectNode pod : checked) {
            List<PodSecurityStandards.Violation> v = check(enforce, pod.path("metadata"), pod.path("spec"));
            if (v.isEmpty()) {
                continue;
            }
            List<String> reasons = new ArrayList<>();
            v.forEach(x -> reasons.add(x.reason()));
            String warning = String.join(", ", reasons);
            String name = pod.path("metadata").path("name").asText();
            String[] seen = byWarning.get(warning);
            if (seen == null) {
                byWarning.put(warning, new String[] {name, "1"});
            } else {
                if (name.compareTo(seen[0]) < 0) {
                    seen[0] = name;
                }
                seen[1] = Integer.toString(Integer.parseInt(seen[1]) + 1);
            }
        }
        if (checked.size() < total) {
            r.warn("new PodSecurity enforce level only checked against the first " + checked.size() + " of " + total
                    + " existing pods");
        }
        if (byWarning.isEmpty()) {
            return;
        }
        r.warn("existing pods in namespace \"" + namespace + "\" violate the new PodSecurity enforce level \""
                + enforce + "\"");
        List<String> lines = new ArrayList<>();
        byWarning.forEach((warning, seen) -> {
            int count = Integer.parseInt(seen[1]);
            String who = count == 1 ? seen[0] : count == 2 ? seen[0] + " (and 1 other pod)"
                    : seen[0] + " (and " + (count - 1) + " other pods)";
            lines.add(who + ": " + warning);
        });
        java.util.Collections.sort(lines);
        lines.forEach(r::warn);
    }

    /** Kubernetes re-evaluates a pod update only when an image or a seccomp annotation changed. */
    static boolean significantPodUpdate(ObjectNode pod, ObjectNode old) {
        JsonNode ann = pod.path("metadata").path("annotations");
        JsonNode oldAnn = old.path("metadata").path("annotations");
        String podSeccomp = "seccomp.security.alpha.kubernetes.io/pod";
        if (!Objects.equals(ann.path(podSeccomp).asText(null), oldAnn.path(podSeccomp).asText(null))) {
            return true;
        }
        for (String list : new String[] {"containers", "initContainers"}) {
            JsonNode now = pod.path("spec").path(list);
            JsonNode before = old.path("spec").path(list);
            if (now.size() != before.size()) {
                return true;
            }
            for (int i = 0; i < now.size(); i++) {
                if (significantContainer(now.get(i), before.get(i), ann, oldAnn)) {
                    return true;
                }
            }
        }
        for (JsonNode c : pod.path("spec").path("ephemeralContainers")) {
            JsonNode match = null;
            for (JsonNode o : old.path("spec").path("ephemeralContainers")) {
                if (o.path("name").asText().equals(c.path("name").asText())) {
                    match = o;
                }
            }
            if (match == null || significantContainer(c, match, ann, oldAnn)) {
                return true;
            }
        }
        return false;
    }

    private static boolean significantContainer(JsonNode c, JsonNode old, JsonNode ann, JsonNode oldAnn) {
        if (!c.path("image").asText("").equals(old.path("image").asText(""))) {
            return true;
        }
        String key = "container.seccomp.security.alpha.kubernetes.io/" + c.path("name").asText();
        return !Objects.equals(ann.path(key).asText(null), oldAnn.path(key).asText(null));
    }
}
