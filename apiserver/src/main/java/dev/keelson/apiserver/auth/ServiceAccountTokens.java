package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.Json;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Issues service-account JWTs with Kubernetes' claims (pkg/serviceaccount/claims.go): iss, sub
 * {@code system:serviceaccount:NS:NAME}, aud, exp, iat, nbf, jti, and {@code kubernetes.io} with the namespace, the
 * account's name and uid, and the pod (with its node) or secret the token is bound to.
 */
public final class ServiceAccountTokens {
    /** serviceaccount.WarnOnlyBoundTokenExpirationSeconds: what the projected volume asks for. */
    public static final long WARN_ONLY_EXPIRATION_SECONDS = 3607;
    /** serviceaccount.ExpirationExtensionSeconds: one year. */
    public static final long EXTENSION_SECONDS = 365L * 24 * 3600;
    public static final String USER_PREFIX = "system:serviceaccount:";

    private final ServiceAccountKey key;
    private final ServiceAccountTokenOptions options;

    public ServiceAccountTokens(ServiceAccountKey key, ServiceAccountTokenOptions options) {
        this.key = key;
        this.options = options;
    }

    public ServiceAccountKey key() {
        return key;
    }

    public ServiceAccountTokenOptions options() {
        return options;
    }

    /** What a token is bound to besides its account (each may be null; a secret excludes a pod and node). */
    public record Binding(JsonNode pod, JsonNode node, JsonNode secret) {
        public static final Binding NONE = new Binding(null, null, null);
    }

    /** A signed token for {@code account}, valid from {@code now} for {@code expirationSeconds}. */
    public String issue(JsonNode account, Binding binding, long expirationSeconds, long warnAfterSeconds,
                        List<String> audiences, Instant now) {
        ObjectNode claims = Json.MAPPER.createObjectNode();
        ArrayNode aud = claims.putArray("aud");
        audiences.forEach(aud::add);
        long iat = now.getEpochSecond();
        claims.put("exp", iat + expirationSeconds);
        claims.put("iat", iat);
        claims.put("iss", options.issuers().get(0));
        claims.put("jti", UUID.randomUUID().toString());
        ObjectNode k8s = claims.putObject("kubernetes.io");
        JsonNode meta = account.path("metadata");
        k8s.put("namespace", meta.path("namespace").asText());
        if (binding.pod() != null && binding.node() != null) {
            ref(k8s, "node", binding.node());
        }
        if (binding.pod() != null) {
            ref(k8s, "pod", binding.pod());
        }
        if (binding.secret() != null) {
            ref(k8s, "secret", binding.secret());
        }
        ref(k8s, "serviceaccount", account);
        if (warnAfterSeconds != 0) {
            k8s.put("warnafter", iat + warnAfterSeconds);
        }
        claims.put("nbf", iat);
        claims.put("sub", USER_PREFIX + meta.path("namespace").asText() + ":" + meta.path("name").asText());
        return Jwt.sign(claims, key);
    }

    private static void ref(ObjectNode parent, String field, JsonNode obj) {
        ObjectNode r = parent.putObject(field);
        r.put("name", obj.path("metadata").path("name").asText());
        r.put("uid", obj.path("metadata").path("uid").asText());
    }
}
