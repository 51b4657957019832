package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' service-account token authenticator (pkg/serviceaccount/jwt.go and claims.go): a bearer JWT whose issuer
 * is one of {@code --service-account-issuer} is user {@code system:serviceaccount:NS:NAME} in groups
 * system:serviceaccounts, system:serviceaccounts:NS and system:authenticated when its signature is the service-account
 * key's, it is neither expired nor not yet valid (one minute of leeway, as go-jose's), one of its audiences is one of
 * the API audiences, and the account, and the pod or secret it is bound to, still exist with the uids in the token
 * (deleted more than the leeway ago counts as gone). Anything else is no user: 401. Objects are read from the watch
 * cache on every request, so a deleted pod's token stops working as soon as the apiserver sees the deletion; only the
 * signature check (the costly part) is remembered per token.
 */
public final class ServiceAccountTokenAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountTokenAuthenticator.class);
    static final long LEEWAY_SECONDS = 60;
    private static final int MAX_VERIFIED = 10_000;

    /** Finds an object of the core group in the watch cache: {@code resource} is the plural. */
    @FunctionalInterface
    public interface Objects {
        ObjectNode get(String resource, String namespace, String name);
    }

    private final ServiceAccountTokens tokens;
    private final Objects objects;
    private final Clock clock;
    /** Tokens whose signature verified, with their claims; cleared should it pass MAX_VERIFIED entries. */
    private final Map<String, ObjectNode> verified = new ConcurrentHashMap<>();

    public ServiceAccountTokenAuthenticator(ServiceAccountTokens tokens, Objects objects, Clock clock) {
        this.tokens = tokens;
        this.objects = objects;
        this.clock = clock;
    }

    /** The token's user, or null when it is not a valid service-account token of this cluster. */
    public Authenticator.User authenticate(String bearer) {
        ObjectNode claims = verified.get(bearer);
        if (claims == null) {
            claims = verify(bearer);
            if (claims == null) {
                return null;
            }
            if (verified.size() >= MAX_VERIFIED) {
                verified.clear();
            }
            verified.put(bearer, claims);
        }
        String why = invalid(claims);
        if (why != null) {
            LOG.debug("service account token refused: {}", why);
            return null;
        }
        JsonNode k8s = claims.path("kubernetes.io");
        String namespace = k8s.path("namespace").asText();
        String name = k8s.path("serviceaccount").path("name").asText();
        return new Authenticator.User(ServiceAccountTokens.USER_PREFIX + namespace + ":" + name,
                List.of("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"));
    }

    /** The claims of a token signed by our key with one of our issuers, else null. */
    private ObjectNode verify(String bearer) {
        Jwt.Parsed jwt = Jwt.parse(bearer);
        if (jwt == null || !tokens.options().issuers().contains(jwt.claims().path("iss").asText())) {
            return null;
        }
        if (!Jwt.verify(jwt, tokens.key())) {
            LOG.debug("service account token with an invalid signature");
            return null;
        }
        return jwt.claims();
    }

    /** Why verified claims do not authenticate now, or null when they do. */
    String invalid(ObjectNode claims) {
        long now = clock.instant().getEpochSecond();
        JsonNode exp = claims.get("exp");
        JsonNode nbf = claims.get("nbf");
        JsonNode iat = claims.get("iat");
        if (exp != null && (!exp.canConvertToLong() || now - LEEWAY_SECONDS > exp.asLong())) {
            return "service account token has expired";
        }
        if (nbf != null && (!nbf.canConvertToLong() || now + LEEWAY_SECONDS < nbf.asLong())) {
            return "service account token is not valid yet";
        }
        if (iat != null && (!iat.canConvertToLong() || now + LEEWAY_SECONDS < iat.asLong())) {
            return "service account token is issued in the future";
        }
        if (!audienceMatches(claims.get("aud"))) {
            return "token audiences " + claims.get("aud") + " is invalid for the target audiences "
                    + tokens.options().audiences();
        }
        JsonNode k8s = claims.path("kubernetes.io");
        String namespace = k8s.path("namespace").asText("");
        JsonNode saRef = k8s.path("serviceaccount");
        if (namespace.isEmpty() || !saRef.isObject()) {
            return "service account token claims lack the namespace or the service account";
        }
        String gone = missing("serviceaccounts", "service account", namespace, saRef, now);
        if (gone != null) {
            return gone;
        }
        if (k8s.path("secret").isObject() && (gone = missing("secrets", "secret", namespace, k8s.get("secret"), now)) != null) {
            return gone;
        }
        if (k8s.path("pod").isObject() && (gone = missing("pods", "pod", namespace, k8s.get("pod"), now)) != null) {
            return gone;
        }
        return null;
    }

    private boolean audienceMatches(JsonNode aud) {
        List<String> ours = tokens.options().audiences();
        if (aud == null) {
            return false;
        }
        if (aud.isTextual()) {
            return ours.contains(aud.asText());
        }
        for (JsonNode a : aud) {
            if (ours.contains(a.asText())) {
                return true;
            }
        }
        return false;
    }

    /** Why the object a claim refers to is not there any more (gone, deleted, another uid), or null. */
    private String missing(String resource, String what, String namespace, JsonNode ref, long now) {
        String name = ref.path("name").asText("");
        ObjectNode obj = name.isEmpty() ? null : objects.get(resource, namespace, name);
        if (obj == null) {
            return what + " " + namespace + "/" + name + " not found";
        }
        JsonNode meta = obj.path("metadata");
        String deleted = meta.path("deletionTimestamp").asText("");
        if (!deleted.isEmpty() && java.time.Instant.parse(deleted).getEpochSecond() < now - LEEWAY_SECONDS) {
            return what + " " + namespace + "/" + name + " has been deleted";
        }
        String uid = meta.path("uid").asText("");
        if (!uid.equals(ref.path("uid").asText())) {
            return what + " UID (" + uid + ") does not match claim (" + ref.path("uid").asText() + ")";
        }
        return null;
    }
}
