package dev.keelson.apiserver.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.keelson.apiserver.auth.Attributes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Kube-apiserver's audit Policy ({@code audit.k8s.io/v1}): ordered rules, the first matching one giving a
 * request's level and the stages not to record. Decoded and validated with kube's messages; matching is
 * kube's policy checker.
 */
public record AuditPolicy(List<Rule> rules, Set<Stage> omitStages, boolean omitManagedFields) {
    public static final String API_VERSION = "audit.k8s.io/v1";
    /** A policy is a page of rules; anything larger is not one. */
    static final int MAX_FILE = 1024 * 1024;
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    /** How much of a request is recorded, in increasing order. */
    public enum Level {
        None, Metadata, Request, RequestResponse;

        public boolean atLeast(Level other) {
            return compareTo(other) >= 0;
        }
    }

    /** The points of a request's life at which an event is written. */
    public enum Stage { RequestReceived, ResponseStarted, ResponseComplete, Panic }

    /** A group's resources, optionally narrowed to names. */
    public record GroupResources(String group, List<String> resources, List<String> resourceNames) {}

    /** One rule: every non-empty field must match; omitStages already holds the policy's too. */
    public record Rule(Level level, List<String> users, List<String> userGroups, List<String> verbs,
                       List<GroupResources> resources, List<String> namespaces, List<String> nonResourceURLs,
                       Set<Stage> omitStages, Boolean omitManagedFields) {}

    /** What the policy says of one request. */
    public record Decision(Level level, Set<Stage> omitStages, boolean omitManagedFields) {
        public boolean records(Stage stage) {
            return level != Level.None && !omitStages.contains(stage);
        }
    }

    /** A policy file that does not decode or validate; the message is kube-apiserver's. */
    public static final class InvalidPolicyException extends Exception {
        public InvalidPolicyException(String message) {
            super(message);
        }
    }

    /** Reads a policy file, as kube-apiserver's {@code --audit-policy-file}. */
    public static AuditPolicy load(Path path) throws InvalidPolicyException {
        byte[] data;
        try (InputStream in = Files.newInputStream(path)) {
            data = in.readNBytes(MAX_FILE + 1);
        } catch (IOException e) {
            throw new InvalidPolicyException("failed to read file path \"" + path + "\": " + e.getMessage());
        }
        if (data.length > MAX_FILE) {
            throw new InvalidPolicyException("policy file larger than " + MAX_FILE + " bytes: from file " + path);
        }
        try {
            return decode(data);
        } catch (InvalidPolicyException e) {
            throw new InvalidPolicyException(e.getMessage() + ": from file " + path);
        }
    }

    /** The policy {@code keelson server} uses when no file is given (docs/design.md lists it). */
    public static AuditPolicy serverDefault() {
        try (InputStream in = AuditPolicy.class.getResourceAsStream("default-policy.yaml")) {
            return decode(in.readAllBytes());
        } catch (IOException | InvalidPolicyException e) {
            throw new IllegalStateException("the built-in audit policy does not load: " + e.getMessage(), e);
        }
    }

    public static AuditPolicy decode(byte[] data) throws InvalidPolicyException {
        JsonNode root;
        try {
            root = YAML.readTree(data);
        } catch (IOException | RuntimeException e) {
            throw new InvalidPolicyException("failed decoding: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidPolicyException("failed decoding: the policy is not an object");
        }
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (!API_VERSION.equals(apiVersion) || !"Policy".equals(kind)) {
            throw new InvalidPolicyException(apiVersion.isEmpty() || kind.isEmpty()
                    ? "failed decoding: Object 'Kind' is missing"
                    : "unknown group version field " + apiVersion + ", Kind=" + kind + " in policy");
        }
        List<String> errs = new ArrayList<>();
        Set<Stage> policyOmit = stages(root.get("omitStages"), "omitStages", errs);
        boolean omitManaged = root.path("omitManagedFields").asBoolean(false);
        List<Rule> rules = new ArrayList<>();
        JsonNode rs = root.get("rules");
        if (rs != null && !rs.isNull() && !rs.isArray()) {
            throw new InvalidPolicyException("failed decoding: rules: must be a list");
        }
        int i = 0;
        for (JsonNode r : rs == null ? List.<JsonNode>of() : iterable(rs)) {
            rules.add(rule(r, "rules[" + i++ + "]", policyOmit, errs));
        }
        if (!errs.isEmpty()) {
            throw new InvalidPolicyException(errs.size() == 1 ? errs.get(0) : "[" + String.join(", ", errs) + "]");
        }
        if (rules.isEmpty()) {
            throw new InvalidPolicyException("loaded illegal policy with 0 rules");
        }
        return new AuditPolicy(List.copyOf(rules), policyOmit, omitManaged);
    }

    private static Rule rule(JsonNode r, String path, Set<Stage> policyOmit, List<String> errs) {
        if (!r.isObject()) {
            errs.add(path + ": Invalid value: a rule must be an object");
            return new Rule(Level.None, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), Set.of(), null);
        }
        Level level = Level.None;
        String lv = r.path("level").asText("");
        if (lv.isEmpty()) {
            errs.add(path + ".level: Required value");
        } else {
            try {
                level = Level.valueOf(lv);
            } catch (IllegalArgumentException e) {
                errs.add(path + ".level: Unsupported value: \"" + lv + "\": supported values: \"None\", \"Metadata\", "
                        + "\"Request\", \"RequestResponse\"");
            }
        }
        List<String> urls = strings(r.get("nonResourceURLs"));
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i);
            if ("*".equals(url)) {
                continue;
            }
            if (!url.startsWith("/")) {
                errs.add(path + ".nonResourceURLs[" + i + "]: Invalid value: \"" + url + "\": non-resource URL rules "
                        + "must begin with a '/' character");
            }
            if (!url.isEmpty() && url.substring(0, url.length() - 1).contains("*")) {
                errs.add(path + ".nonResourceURLs[" + i + "]: Invalid value: \"" + url + "\": non-resource URL "
                        + "wildcards '*' must be the final character of the rule");
            }
        }
        List<GroupResources> resources = new ArrayList<>();
        JsonNode grs = r.get("resources");
        if (grs != null && grs.isArray()) {
            for (JsonNode gr : grs) {
                String group = gr.path("group").asText("");
                if (!group.isEmpty() && (group.length() > 253 || !DNS_SUBDOMAIN.matcher(group).matches())) {
                    errs.add(path + ".resources.group: Invalid value: \"" + group + "\": a lowercase RFC 1123 "
                            + "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
                            + "start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                            + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
                }
                List<String> names = strings(gr.get("resourceNames"));
                List<String> res = strings(gr.get("resources"));
                if (!names.isEmpty() && res.isEmpty()) {
                    errs.add(path + ".resources.resourceNames: Invalid value: " + goList(names) + ": using "
                            + "resourceNames requires at least one resource");
                }
                resources.add(new GroupResources(group, res, names));
            }
        }
        Set<Stage> omit = stages(r.get("omitStages"), path + ".omitStages", errs);
        omit.addAll(policyOmit);
        List<String> namespaces = strings(r.get("namespaces"));
        if (!urls.isEmpty() && (!resources.isEmpty() || !namespaces.isEmpty())) {
            errs.add(path + ".nonResourceURLs: Invalid value: " + goList(urls) + ": rules cannot apply to both "
                    + "regular resources and non-resource URLs");
        }
        JsonNode omf = r.get("omitManagedFields");
        return new Rule(level, strings(r.get("users")), strings(r.get("userGroups")), strings(r.get("verbs")),
                List.copyOf(resources), namespaces, urls, Set.copyOf(omit),
                omf == null || omf.isNull() ? null : omf.asBoolean());
    }

    private static Set<Stage> stages(JsonNode node, String path, List<String> errs) {
        Set<Stage> out = EnumSet.noneOf(Stage.class);
        List<String> names = strings(node);
        for (int i = 0; i < names.size(); i++) {
            try {
                out.add(Stage.valueOf(names.get(i)));
            } catch (IllegalArgumentException e) {
                errs.add(path + "[" + i + "]: Invalid value: \"" + names.get(i) + "\": allowed stages are "
                        + "RequestReceived,ResponseStarted,ResponseComplete,Panic");
            }
        }
        return out;
    }

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static Iterable<JsonNode> iterable(JsonNode array) {
        return array::elements;
    }

    private static String goList(List<String> values) {
        return "[]string{" + String.join(", ", values.stream().map(v -> "\"" + v + "\"").toList()) + "}";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid document";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The level and stages of a request; a null user (not authenticated) matches no users/userGroups rule. */
    public Decision evaluate(Attributes attrs) {
        for (Rule r : rules) {
            if (matches(r, attrs)) {
                return new Decision(r.level(), r.omitStages(),
                        r.omitManagedFields() != null ? r.omitManagedFields() : omitManagedFields);
            }
        }
        return new Decision(Level.None, omitStages, omitManagedFields);
    }

    static boolean matches(Rule r, Attributes attrs) {
        var user = attrs.user();
        if (!r.users().isEmpty() && (user == null || !r.users().contains(user.name()))) {
            return false;
        }
        if (!r.userGroups().isEmpty() && (user == null || user.groups().stream().noneMatch(r.userGroups()::contains))) {
            return false;
        }
        if (!r.verbs().isEmpty() && !r.verbs().contains(attrs.verb())) {
            return false;
        }
        if (!r.namespaces().isEmpty() || !r.resources().isEmpty()) {
            return matchesResource(r, attrs);
        }
        if (!r.nonResourceURLs().isEmpty()) {
            if (attrs.resourceRequest()) {
                return false;
            }
            return r.nonResourceURLs().stream().anyMatch(spec -> pathMatches(attrs.path(), spec));
        }
        return true;
    }

    private static boolean pathMatches(String path, String spec) {
        return "*".equals(spec) || spec.equals(path)
                || spec.endsWith("*") && path.startsWith(spec.substring(0, spec.length() - 1));
    }

    private static boolean matchesResource(Rule r, Attributes attrs) {
        if (!attrs.resourceRequest()) {
            return false;
        }
        if (!r.namespaces().isEmpty() && !r.namespaces().contains(attrs.namespace())) {
            return false;
        }
        if (r.resources().isEmpty()) {
            return true;
        }
        String resource = attrs.resource();
        String sub = attrs.subresource() == null ? "" : attrs.subresource();
        String combined = sub.isEmpty() ? resource : resource + "/" + sub;
        for (GroupResources gr : r.resources()) {
            if (!gr.group().equals(attrs.apiGroup())) {
                continue;
            }
            if (gr.resources().isEmpty()) {
                return true;
            }
            if (!gr.resourceNames().isEmpty() && !gr.resourceNames().contains(attrs.name())) {
                continue;
            }
            for (String res : gr.resources()) {
                if (res.equals(combined) || "*".equals(res)
                        || !sub.isEmpty() && res.startsWith("*/") && sub.equals(res.substring(2))
                        || res.endsWith("/*") && resource.equals(res.substring(0, res.length() - 2))) {
                    return true;
                }
            }
        }
        return false;
    }
}
