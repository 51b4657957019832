package dev.keelson.apiserver.auth.review;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.auth.Attributes;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.Authorizer;
import dev.keelson.apiserver.auth.Decision;
import dev.keelson.apiserver.auth.NodeAuthorizer;
import dev.keelson.apiserver.auth.rbac.PolicyRule;
import dev.keelson.apiserver.auth.rbac.RbacIndex;
import dev.keelson.apiserver.registry.Registration;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ReviewStrategy;
import dev.keelson.apiserver.validation.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * authorization.k8s.io/v1 SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview and
 * SelfSubjectRulesReview, and authentication.k8s.io/v1 SelfSubjectReview: what {@code kubectl auth can-i [--list]}
 * and {@code kubectl auth whoami} ask. Access reviews ask the apiserver's authorizer chain; rules reviews list the
 * rules of the chain's rule resolvers (RBAC's; AlwaysAllow's everything; the Node mode cannot list a node's rules
 * and says so, as Kubernetes does).
 */
public final class Reviews {
    static final String AUTHZ = "authorization.k8s.io/v1";

    /** What the reviews ask: the chain, the RBAC rules and the modes in use (set once the chain is built). */
    public record Context(Authorizer authorizer, RbacIndex rbac, List<String> modes) {
    }

    private Reviews() {
    }

    /** The authorization.k8s.io review kinds, in discovery order. */
    public static List<ReviewStrategy> authorization() {
        return List.of(
                new AccessReview("LocalSubjectAccessReview", "localsubjectaccessreviews", true),
                new AccessReview("SelfSubjectAccessReview", "selfsubjectaccessreviews", false),
                new RulesReview(),
                new AccessReview("SubjectAccessReview", "subjectaccessreviews", false));
    }

    /** The authentication.k8s.io review kinds. */
    public static List<ReviewStrategy> authentication() {
        return List.of(new WhoAmI());
    }

    /** Gives the review kinds of {@code resources} what they ask. */
    public static void install(Resources resources, Context context) {
        for (ResourceType t : resources.all()) {
            if (t.strategy() instanceof Asking a) {
                a.context = context;
            }
        }
    }

    /** A review that asks the authorizers. */
    abstract static class Asking extends ReviewStrategy {
        volatile Context context;

        Asking(Registration registration) {
            super(registration);
        }

        Context context() {
            Context c = context;
            if (c == null) {
                throw ApiException.serviceUnavailable("the authorizer is not ready");
            }
            return c;
        }
    }

    static ObjectNode answer(ObjectNode request, String apiVersion, String kind) {
        ObjectNode out = request.deepCopy();
        out.put("apiVersion", apiVersion);
        out.put("kind", kind);
        ObjectNode meta = out.with("metadata");
        meta.putNull("creationTimestamp");
        return out;
    }

    /** SubjectAccessReview and its self and local forms (Kubernetes' subjectaccessreview REST storage). */
    static final class AccessReview extends Asking {
        private final boolean self;
        private final boolean local;

        AccessReview(String kind, String plural, boolean local) {
            super(local ? Registration.namespaced(AUTHZ, kind, plural, null)
                    : Registration.clusterScoped(AUTHZ, kind, plural, null));
            this.self = kind.startsWith("Self");
            this.local = local;
        }

        @Override
        public ObjectNode review(ObjectNode request, Authenticator.User caller, String namespace) {
            JsonNode spec = request.path("spec");
            JsonNode res = spec.get("resourceAttributes");
            JsonNode nonRes = spec.get("nonResourceAttributes");
            boolean hasRes = res != null && !res.isNull();
            boolean hasNonRes = nonRes != null && !nonRes.isNull();
            List<FieldError> errors = new ArrayList<>();
            if (hasRes == hasNonRes) {
                errors.add(new FieldError(FieldError.INVALID, "spec.resourceAttributes", "Invalid value: \""
                        + (hasRes ? "{...}" : "null") + "\": exactly one of nonResourceAttributes or "
                        + "resourceAttributes must be specified"));
            }
            Authenticator.User user = caller;
            if (!self) {
                List<String> groups = new ArrayList<>();
                spec.path("groups").forEach(g -> groups.add(g.asText()));
                String name = spec.path("user").asText("");
                if (name.isEmpty() && groups.isEmpty()) {
                    errors.add(new FieldError(FieldError.INVALID, "spec.user", "Invalid value: \"\": at least one "
                            + "of user or group must be specified"));
                }
                user = new Authenticator.User(name, List.copyOf(groups));
            }
            String kind = type().kind();
            if (!errors.isEmpty()) {
                throw ApiException.invalid("authorization.k8s.io", kind, "", errors);
            }
            if (local && hasRes && !res.path("namespace").asText("").equals(namespace)) {
                throw ApiException.badRequest("spec.resourceAttributes.namespace must match namespace: " + namespace);
            }
            Attributes a = hasRes
                    ? Attributes.resource(user, res.path("verb").asText(""), res.path("group").asText(""),
                    res.path("version").asText(""), res.path("resource").asText(""),
                    res.path("subresource").asText(""), res.path("namespace").asText(""), res.path("name").asText(""))
                    : Attributes.nonResource(user, nonRes.path("verb").asText(""), nonRes.path("path").asText(""));
            Decision d = context().authorizer().authorize(a);
            ObjectNode out = answer(request, AUTHZ, kind);
            ObjectNode status = out.putObject("status");
            status.put("allowed", d.kind() == Decision.Kind.ALLOW);
            if (d.kind() == Decision.Kind.DENY) {
                status.put("denied", true);
            }
            if (!d.reason().isEmpty()) {
                status.put("reason", d.reason());
            }
            return out;
        }
    }

    /** SelfSubjectRulesReview: the rules the caller holds in {@code spec.namespace}. */
    static final class RulesReview extends Asking {
        RulesReview() {
            super(Registration.clusterScoped(AUTHZ, "SelfSubjectRulesReview", "selfsubjectrulesreviews", null));
        }

        @Override
        public ObjectNode review(ObjectNode request, Authenticator.User user, String namespace) {
            String ns = request.path("spec").path("namespace").asText("");
            if (ns.isEmpty()) {
                throw ApiException.badRequest("no namespace on request");
            }
            Context c = context();
            ArrayNode resourceRules = Json.MAPPER.createArrayNode();
            ArrayNode nonResourceRules = Json.MAPPER.createArrayNode();
            boolean incomplete = false;
            List<String> errors = new ArrayList<>();
            for (String mode : c.modes()) {
                switch (mode) {
                    case "AlwaysAllow" -> {
                        add(resourceRules, nonResourceRules, new PolicyRule(List.of("*"), List.of("*"),
                                List.of("*"), List.of(), List.of()));
                        add(resourceRules, nonResourceRules, new PolicyRule(List.of("*"), List.of(), List.of(),
                                List.of(), List.of("*")));
                    }
                    case "Node" -> {
                        if (NodeAuthorizer.nodeName(user) != null) {
                            incomplete = true;
                            errors.add("node authorizer does not support user rule resolution");
                        }
                    }
                    case "RBAC" -> {
                        RbacIndex.Rules rules = c.rbac().rulesFor(user, ns);
                        rules.rules().forEach(r -> add(resourceRules, nonResourceRules, r));
                        if (!rules.errors().isEmpty()) {
                            errors.add(aggregate(rules.errors()));
                        }
                    }
                    default -> { }
                }
            }
            ObjectNode out = answer(request, AUTHZ, "SelfSubjectRulesReview");
            ObjectNode status = out.putObject("status");
            status.set("resourceRules", resourceRules);
            status.set("nonResourceRules", nonResourceRules);
            status.put("incomplete", incomplete);
            if (!errors.isEmpty()) {
                status.put("evaluationError", aggregate(errors));
            }
            return out;
        }

        private static void add(ArrayNode resourceRules, ArrayNode nonResourceRules, PolicyRule r) {
            if (!r.resources().isEmpty()) {
                ObjectNode o = resourceRules.addObject();
                strings(o, "verbs", r.verbs());
                strings(o, "apiGroups", r.apiGroups());
                strings(o, "resources", r.resources());
                strings(o, "resourceNames", r.resourceNames());
            }
            if (!r.nonResourceURLs().isEmpty()) {
                ObjectNode o = nonResourceRules.addObject();
                strings(o, "verbs", r.verbs());
                strings(o, "nonResourceURLs", r.nonResourceURLs());
            }
        }

        private static void strings(ObjectNode o, String field, List<String> values) {
            if (!values.isEmpty() || field.equals("verbs")) {
                ArrayNode a = o.putArray(field);
                values.forEach(a::add);
            }
        }
    }

    static String aggregate(List<String> errors) {
        List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(errors));
        return distinct.size() == 1 ? distinct.get(0) : "[" + String.join(", ", distinct) + "]";
    }

    /** authentication.k8s.io/v1 SelfSubjectReview: who the apiserver thinks the caller is. */
    static final class WhoAmI extends ReviewStrategy {
        WhoAmI() {
            super(Registration.clusterScoped("authentication.k8s.io/v1", "SelfSubjectReview", "selfsubjectreviews",
                    null));
        }

        @Override
        public ObjectNode review(ObjectNode request, Authenticator.User user, String namespace) {
            ObjectNode out = answer(request, "authentication.k8s.io/v1", "SelfSubjectReview");
            ObjectNode info = out.putObject("status").putObject("userInfo");
            info.put("username", user.name());
            ArrayNode groups = info.putArray("groups");
            user.groups().forEach(groups::add);
            return out;
        }
    }
}
