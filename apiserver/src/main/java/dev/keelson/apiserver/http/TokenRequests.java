package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.admission.AdmissionChain;
import dev.keelson.apiserver.admission.AdmissionRequest;
import dev.keelson.apiserver.admission.Operation;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.auth.ServiceAccountTokens;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.validation.FieldError;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST .../serviceaccounts/NAME/token}: the TokenRequest API (authentication.k8s.io/v1), as Kubernetes'
 * TokenREST. Checks the request as Kubernetes' validation does, admits it as a CREATE of serviceaccounts/token (so
 * NodeRestriction can hold a node to its own pods), binds the token to a Pod (and its Node) or Secret whose uid must
 * match, and answers the request with {@code status.token} and {@code status.expirationTimestamp}. Nothing is stored.
 */
public final class TokenRequests {
    private static final String GROUP = "authentication.k8s.io";
    private static final long MIN_SECONDS = 600;
    private static final long MAX_SECONDS = 1L << 32;

    private final Resources resources;
    private final Map<ResourceType, GenericStore> stores;
    private final AdmissionChain admission;
    private final ServiceAccountTokens tokens;

    public TokenRequests(Resources resources, Map<ResourceType, GenericStore> stores, AdmissionChain admission,
                         ServiceAccountTokens tokens) {
        this.resources = resources;
        this.stores = stores;
        this.admission = admission;
        this.tokens = tokens;
    }

    void handle(HttpServerRequest req, ApiRequest api, ApiHandler http, RequestContext context) {
        if (req.method() != HttpMethod.POST) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        http.withBody(req, raw -> {
            JsonNode body = ApiHandler.parseJson(raw, ApiHandler.mediaType(req.getHeader("Content-Type")).endsWith("yaml"));
            if (!(body instanceof ObjectNode request)) {
                throw ApiException.badRequest("the request body must be an object");
            }
            boolean dryRun = req.params().getAll("dryRun").contains("All");
            http.reply(req, 201, create(api, request, context, dryRun), o -> o, context.warnings());
        });
    }

    private CompletableFuture<ObjectNode> create(ApiRequest api, ObjectNode request, RequestContext context,
                                                 boolean dryRun) {
        String name = api.name();
        String namespace = api.namespace();
        ObjectNode meta = request.with("metadata");
        ObjectNode spec = request.with("spec");
        List<FieldError> errors = new ArrayList<>();
        String bodyName = meta.path("name").asText("");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            errors.add(invalid("metadata.name", "\"" + bodyName + "\"", "must match the service account name if specified"));
        }
        String bodyNamespace = meta.path("namespace").asText("");
        if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
            errors.add(invalid("metadata.namespace", "\"" + bodyNamespace + "\"",
                    "must match the service account namespace if specified"));
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(GROUP, "TokenRequest", name, errors);
        }
        JsonNode seconds = spec.path("expirationSeconds");
        if (!seconds.isMissingNode() && !seconds.isNull() && !seconds.canConvertToLong()) {
            throw ApiException.badRequest("TokenRequest in version \"v1\" cannot be handled as a TokenRequest: "
                    + "json: cannot unmarshal " + seconds + " into Go struct field TokenRequestSpec.spec."
                    + "expirationSeconds of type int64");
        }
        long expiration = seconds.canConvertToLong() ? seconds.asLong() : 3600;
        spec.put("expirationSeconds", expiration);
        if (expiration < MIN_SECONDS) {
            errors.add(invalid("spec.expirationSeconds", Long.toString(expiration),
                    "may not specify a duration less than 10 minutes"));
        }
        if (expiration > MAX_SECONDS) {
            errors.add(invalid("spec.expirationSeconds", Long.toString(expiration),
                    "may not specify a duration larger than 2^32 seconds"));
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(GROUP, "TokenRequest", name, errors);
        }
        AdmissionRequest admit = new AdmissionRequest(Operation.CREATE, api.type(), namespace, name, "token", request,
                null, context, dryRun);
        return admission.admit(admit).thenCompose(v -> admission.validate(admit))
                .thenCompose(v -> stores.get(api.type()).get(namespace, name))
                .thenCompose(account -> bind(namespace, name, spec.path("boundObjectRef"))
                        .thenApply(binding -> respond(request, account, binding, context)));
    }

    private static FieldError invalid(String field, String value, String detail) {
        return new FieldError(FieldError.INVALID, field, "Invalid value: " + value + ": " + detail);
    }

    /** The pod (with its node) or secret the token is bound to, checked as TokenREST checks them. */
    private CompletableFuture<ServiceAccountTokens.Binding> bind(String namespace, String account, JsonNode ref) {
        if (!ref.isObject()) {
            return CompletableFuture.completedFuture(ServiceAccountTokens.Binding.NONE);
        }
        String apiVersion = ref.path("apiVersion").asText("");
        String kind = ref.path("kind").asText("");
        String refName = ref.path("name").asText("");
        String refUid = ref.path("uid").asText("");
        String plural = !"v1".equals(apiVersion) ? null : switch (kind) {
            case "Pod" -> "pods";
            case "Secret" -> "secrets";
            default -> null;
        };
        if (plural == null) {
            String gv = apiVersion.contains("/") ? apiVersion : "/" + apiVersion;
            throw ApiException.badRequest("cannot bind token to object of type " + gv + ", Kind=" + kind);
        }
        return store(plural).get(namespace, refName).thenApply(obj -> {
            String uid = obj.path("metadata").path("uid").asText();
            if ("pods".equals(plural)) {
                String runsAs = obj.path("spec").path("serviceAccountName").asText("");
                if (!account.equals(runsAs)) {
                    throw ApiException.badRequest("cannot bind token for serviceaccount \"" + account
                            + "\" to pod running with different serviceaccount name.");
                }
            }
            if (!refUid.isEmpty() && !refUid.equals(uid)) {
                throw ApiException.conflict("", kind, refName, "the UID in the bound object reference (" + refUid
                        + ") does not match the UID in record. The object might have been deleted and then recreated");
            }
            if (!"pods".equals(plural)) {
                return new ServiceAccountTokens.Binding(null, null, obj);
            }
            String nodeName = obj.path("spec").path("nodeName").asText("");
            ResourceType nodes = resources.find("", "v1", "nodes");
            ObjectNode node = nodeName.isEmpty() ? null : stores.get(nodes).cache().get(nodes.key(null, nodeName));
            return new ServiceAccountTokens.Binding(obj, node, null);
        });
    }

    private GenericStore store(String plural) {
        return stores.get(resources.find("", "v1", plural));
    }

    private ObjectNode respond(ObjectNode request, ObjectNode account, ServiceAccountTokens.Binding binding,
                               RequestContext context) {
        ObjectNode spec = request.with("spec");
        List<String> audiences = new ArrayList<>();
        spec.path("audiences").forEach(a -> audiences.add(a.asText()));
        if (audiences.isEmpty()) {
            audiences.addAll(tokens.options().audiences());
        }
        long requested = spec.path("expirationSeconds").asLong();
        long max = tokens.options().maxExpirationSeconds();
        if (max > 0 && requested > max) {
            context.warn("requested expiration of " + requested + " seconds shortened to " + max + " seconds");
            requested = max;
        }
        long exp = requested;
        long warnAfter = 0;
        if (tokens.options().extendExpiration() && binding.pod() != null
                && requested == ServiceAccountTokens.WARN_ONLY_EXPIRATION_SECONDS
                && tokens.options().audiences().containsAll(audiences)) {
            warnAfter = requested;
            exp = ServiceAccountTokens.EXTENSION_SECONDS;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String token = tokens.issue(account, binding, exp, warnAfter, audiences, now);
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("kind", "TokenRequest");
        out.put("apiVersion", GROUP + "/v1");
        ObjectNode meta = out.putObject("metadata");
        meta.put("name", account.path("metadata").path("name").asText());
        meta.put("namespace", account.path("metadata").path("namespace").asText());
        meta.put("creationTimestamp", now.toString());
        ObjectNode outSpec = out.putObject("spec");
        ArrayNode aud = outSpec.putArray("audiences");
        audiences.forEach(aud::add);
        outSpec.put("expirationSeconds", requested);
        outSpec.set("boundObjectRef", spec.get("boundObjectRef") == null || spec.get("boundObjectRef").isNull()
                ? null : spec.get("boundObjectRef"));
        if (outSpec.get("boundObjectRef") == null) {
            outSpec.remove("boundObjectRef");
        }
        ObjectNode status = out.putObject("status");
        status.put("token", token);
        status.put("expirationTimestamp", now.plusSeconds(requested).toString());
        return out;
    }
}
