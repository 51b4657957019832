package dev.keelson.apiserver.auth;

import dev.keelson.apiserver.ApiException;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes' impersonation filter ({@code kubectl --as/--as-group}): the {@code Impersonate-User},
 * {@code Impersonate-Group}, {@code Impersonate-Uid} and {@code Impersonate-Extra-*} headers make the request act as
 * another user, each one authorized first with the {@code impersonate} verb on users, groups, serviceaccounts (a
 * {@code system:serviceaccount:NS:NAME} user), uids or userextras/KEY. Refused ones are 403 with Kubernetes' message.
 */
public final class Impersonation {
    private static final String SA_PREFIX = "system:serviceaccount:";
    private static final String EXTRA_PREFIX = "impersonate-extra-";

    private Impersonation() {
    }

    /** The user the request acts as: {@code user} itself when it asks for no impersonation. */
    public static Authenticator.User apply(HttpServerRequest req, Authenticator.User user, AuthorizerChain authorizer) {
        String asUser = req.getHeader("Impersonate-User");
        List<String> asGroups = req.headers().getAll("Impersonate-Group");
        String asUid = req.getHeader("Impersonate-Uid");
        List<Map.Entry<String, String>> extras = new ArrayList<>();
        for (Map.Entry<String, String> h : req.headers()) {
            if (h.getKey().regionMatches(true, 0, EXTRA_PREFIX, 0, EXTRA_PREFIX.length())) {
                extras.add(h);
            }
        }
        if (asUser == null && asGroups.isEmpty() && asUid == null && extras.isEmpty()) {
            return user;
        }
        if (asUser == null || asUser.isEmpty()) {
            throw new ApiException(500, "InternalError", "Internal error occurred: requested impersonation of "
                    + (asGroups.isEmpty() ? "extras or a uid" : "groups " + asGroups) + " without impersonating a user",
                    null);
        }
        List<String> groups = new ArrayList<>(asGroups);
        if (asUser.startsWith(SA_PREFIX) && asUser.substring(SA_PREFIX.length()).contains(":")) {
            String[] nsName = asUser.substring(SA_PREFIX.length()).split(":", 2);
            check(authorizer, Attributes.resource(user, "impersonate", "", "v1", "serviceaccounts", "", nsName[0],
                    nsName[1]));
            if (asGroups.isEmpty()) {
                groups.add("system:serviceaccounts");
                groups.add("system:serviceaccounts:" + nsName[0]);
            }
        } else {
            check(authorizer, Attributes.resource(user, "impersonate", "", "v1", "users", "", "", asUser));
        }
        for (String g : asGroups) {
            check(authorizer, Attributes.resource(user, "impersonate", "", "v1", "groups", "", "", g));
        }
        for (Map.Entry<String, String> e : extras) {
            String key = e.getKey().substring(EXTRA_PREFIX.length()).toLowerCase(java.util.Locale.ROOT);
            check(authorizer, Attributes.resource(user, "impersonate", "authentication.k8s.io", "v1", "userextras",
                    key, "", e.getValue()));
        }
        if (asUid != null) {
            check(authorizer, Attributes.resource(user, "impersonate", "authentication.k8s.io", "v1", "uids", "", "",
                    asUid));
        }
        if (asUser.equals(Authenticator.ANONYMOUS.name())) {
            if (!groups.contains("system:unauthenticated")) {
                groups.add("system:unauthenticated");
            }
        } else if (!groups.contains("system:authenticated") && !groups.contains("system:unauthenticated")) {
            groups.add("system:authenticated");
        }
        return new Authenticator.User(asUser, List.copyOf(groups));
    }

    private static void check(AuthorizerChain authorizer, Attributes a) {
        Decision d = authorizer.authorize(a);
        if (d.kind() != Decision.Kind.ALLOW) {
            throw AuthorizerChain.forbidden(a, d.reason());
        }
    }
}
