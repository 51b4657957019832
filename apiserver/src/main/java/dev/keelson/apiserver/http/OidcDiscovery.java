package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.auth.ServiceAccountTokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

/**
 * Service-account issuer discovery (pkg/serviceaccount/openidmetadata.go): the OpenID Connect provider configuration
 * at {@value #CONFIGURATION_PATH} and the key set at {@value #JWKS_PATH}, so a party outside the cluster can verify the
 * cluster's service-account tokens. Served to authenticated callers the authorizer lets through, as Kubernetes does
 * (its default policy grants them to system:serviceaccounts).
 */
public final class OidcDiscovery {
    public static final String CONFIGURATION_PATH = "/.well-known/openid-configuration";
    public static final String JWKS_PATH = "/openid/v1/jwks";
    private static final String CACHE_CONTROL = "public, max-age=3600";

    private final Buffer configuration;
    private final Buffer jwks;

    /** {@code externalAddress} is host:port of this server, for the default jwks_uri. */
    public OidcDiscovery(ServiceAccountTokens tokens, String externalAddress) {
        String jwksUri = tokens.options().jwksUri() != null ? tokens.options().jwksUri()
                : "https://" + externalAddress + JWKS_PATH;
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("issuer", tokens.options().issuers().get(0));
        c.put("jwks_uri", jwksUri);
        c.putArray("response_types_supported").add("id_token");
        c.putArray("subject_types_supported").add("public");
        c.putArray("id_token_signing_alg_values_supported").add(tokens.key().algorithm());
        configuration = Buffer.buffer(Json.bytes(c));
        ObjectNode set = Json.MAPPER.createObjectNode();
        set.putArray("keys").add(tokens.key().jwk());
        jwks = Buffer.buffer(Json.bytes(set));
    }

    /** Answers a request for either document (registered for both paths). */
    public void serve(HttpServerRequest req) {
        String path = req.path();
        if (req.method() != HttpMethod.GET) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        boolean config = path.startsWith(CONFIGURATION_PATH);
        req.response().setStatusCode(200)
                .putHeader("Content-Type", config ? "application/json" : "application/jwk-set+json")
                .putHeader("Cache-Control", CACHE_CONTROL)
                .end(config ? configuration : jwks);
    }
}
