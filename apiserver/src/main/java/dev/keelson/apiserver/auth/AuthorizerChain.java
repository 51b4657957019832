package dev.keelson.apiserver.auth;

import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The authorizers of {@code --authorization-mode}, asked in order as kube-apiserver's union authorizer does: the first
 * Allow or Deny decides, NoOpinion asks the next, and a request no authorizer allowed is 403 Forbidden with
 * Kubernetes' message. Members of {@code system:masters} are allowed before any mode is asked (kube-apiserver's
 * privileged-group authorizer).
 */
public final class AuthorizerChain implements Authorizer {
    public static final String PRIVILEGED_GROUP = "system:masters";
    /** kubeadm's choice: node identities by the Node authorizer, everyone else by RBAC. */
    public static final List<String> DEFAULT_MODES = List.of("Node", "RBAC");
    /** Modes kube-apiserver knows; those without a factory here are refused with a clear message. */
    static final List<String> KUBERNETES_MODES = List.of("AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook", "RBAC", "Node");

    private final List<Authorizer> authorizers;

    private AuthorizerChain(List<Authorizer> authorizers) {
        this.authorizers = List.copyOf(authorizers);
    }

    /** The chain for {@code modes} from the {@code available} factories (Node, RBAC, AlwaysAllow, AlwaysDeny). */
    public static AuthorizerChain build(List<String> modes, Map<String, Supplier<Authorizer>> available) {
        validate(modes, available.keySet());
        List<Authorizer> chain = new ArrayList<>();
        for (String mode : modes) {
            chain.add(available.get(mode).get());
        }
        return new AuthorizerChain(chain);
    }

    /** The modes this apiserver implements, given the Node and RBAC authorizers it should use. */
    public static Map<String, Supplier<Authorizer>> builtInModes(Supplier<Authorizer> node, Supplier<Authorizer> rbac) {
        return Map.of("Node", node, "RBAC", rbac, "AlwaysAllow", () -> a -> Decision.ALLOW,
                "AlwaysDeny", () -> a -> Decision.deny(""));
    }

    /** Checks a {@code --authorization-mode} list against the modes this apiserver implements. */
    public static void validate(List<String> modes) {
        validate(modes, builtInModes(() -> null, () -> null).keySet());
    }

    /** Checks a {@code --authorization-mode} list as kube-apiserver does, with the modes implemented here. */
    public static void validate(List<String> modes, Set<String> implemented) {
        if (modes.isEmpty()) {
            throw new IllegalArgumentException("at least one authorization-mode must be passed");
        }
        Set<String> seen = new HashSet<>();
        for (String mode : modes) {
            if (!KUBERNETES_MODES.contains(mode)) {
                throw new IllegalArgumentException("authorization-mode \"" + mode + "\" is not a valid mode");
            }
            if (!seen.add(mode)) {
                throw new IllegalArgumentException("authorization-mode \"" + mode
                        + "\" has mode specified more than once");
            }
            if (!implemented.contains(mode)) {
                throw new IllegalArgumentException("authorization-mode \"" + mode + "\" is not implemented by Keelson "
                        + "yet; the modes available are " + String.join(", ", implemented.stream().sorted().toList())
                        + " (the default is " + String.join(",", DEFAULT_MODES) + ")");
            }
        }
    }

    @Override
    public Decision authorize(Attributes attributes) {
        if (attributes.user().groups().contains(PRIVILEGED_GROUP)) {
            return Decision.ALLOW;
        }
        List<String> reasons = null;
        for (Authorizer a : authorizers) {
            Decision d = a.authorize(attributes);
            if (d.kind() != Decision.Kind.NO_OPINION) {
                return d;
            }
            if (!d.reason().isEmpty()) {
                if (reasons == null) {
                    reasons = new ArrayList<>();
                }
                reasons.add(d.reason());
            }
        }
        return Decision.noOpinion(reasons == null ? "" : String.join("\n", reasons));
    }

    /** Throws Kubernetes' 403 Forbidden unless the chain allows the request. */
    public void check(Attributes attributes) {
        Decision d = authorize(attributes);
        if (d.kind() != Decision.Kind.ALLOW) {
            throw forbidden(attributes, d.reason());
        }
    }

    /** kube-apiserver's responsewriters.Forbidden: who cannot do what, then the authorizer's reason. */
    public static ApiException forbidden(Attributes a, String reason) {
        String user = a.user() == null ? "" : a.user().name();
        String msg;
        if (!a.resourceRequest()) {
            msg = "User \"" + user + "\" cannot " + a.verb() + " path \"" + a.path() + "\"";
        } else {
            String scope = a.namespace() == null || a.namespace().isEmpty() ? "at the cluster scope"
                    : "in the namespace \"" + a.namespace() + "\"";
            msg = "User \"" + user + "\" cannot " + a.verb() + " resource \"" + a.resourceWithSubresource()
                    + "\" in API group \"" + a.apiGroup() + "\" " + scope;
        }
        if (reason != null && !reason.isEmpty()) {
            msg += ": " + reason;
        }
        if (!a.resourceRequest()) {
            return new ApiException(403, "Forbidden", "forbidden: " + msg, Json.MAPPER.createObjectNode());
        }
        String name = a.name() == null || a.name().isEmpty() ? null : a.name();
        return ApiException.forbidden(a.apiGroup(), a.resource(), name, msg);
    }
}
