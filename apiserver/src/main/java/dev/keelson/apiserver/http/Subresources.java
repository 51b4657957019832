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
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.ScaleSubresource;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** scale, binding, eviction, finalize, log, exec and token: the subresources that are not a plain object write. */
public final class Subresources {
    private final Map<ResourceType, GenericStore> stores;
    private final KubeletProxy kubelet;
    private final AdmissionChain admission;
    private final TokenRequests tokenRequests;

    public Subresources(Map<ResourceType, GenericStore> stores, KubeletProxy kubelet, AdmissionChain admission,
                        TokenRequests tokenRequests) {
        this.stores = stores;
        this.kubelet = kubelet;
        this.admission = admission;
        this.tokenRequests = tokenRequests;
    }

    boolean handles(ApiRequest api) {
        return switch (api.subresource()) {
            case "scale", "binding", "eviction", "finalize", "log", "exec" -> true;
            case "token" -> tokenRequests != null;
            default -> false;
        };
    }

    void handle(HttpServerRequest req, ApiRequest api, ApiHandler http, Authenticator.User user) {
        GenericStore store = stores.get(api.type());
        RequestContext context = RequestContext.of(user, List.of());
        switch (api.subresource()) {
            case "scale" -> scale(req, api, store, http, context);
            case "binding" -> post(req, http, body -> bind(api, store, body));
            case "eviction" -> post(req, http, body -> evict(api, store, body, context));
            case "finalize" -> finalizeNamespace(req, api, store, http);
            case "log" -> kubelet.logs(req, api, store, http);
            case "exec" -> kubelet.exec(req, api, store, http, () -> connect(req, api, context));
            case "token" -> tokenRequests.handle(req, api, http, context);
            default -> throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
    }

    private interface BodyAction {
        CompletableFuture<? extends JsonNode> run(ObjectNode body);
    }

    private void post(HttpServerRequest req, ApiHandler http, BodyAction action) {
        if (req.method() != HttpMethod.POST) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        http.withBody(req, raw -> {
            JsonNode body = ApiHandler.parseJson(raw, false);
            if (!(body instanceof ObjectNode o)) {
                throw ApiException.badRequest("the request body must be an object");
            }
            http.reply(req, 201, action.run(o), n -> n, List.of());
        });
    }

    private CompletableFuture<ObjectNode> bind(ApiRequest api, GenericStore store, ObjectNode binding) {
        String node = binding.path("target").path("name").asText("");
        if (node.isEmpty()) {
            throw ApiHandler.invalid(api.type(), api.name(), "target.name", "Required value");
        }
        return store.guaranteedUpdate(api.namespace(), api.name(), pod -> {
            String current = pod.path("spec").path("nodeName").asText("");
            if (GenericStoreAccess.isBeingDeleted(pod)) {
                throw ApiException.conflict("", "pods", api.name(), "pod is being deleted, cannot be assigned to a host");
            }
            if (!current.isEmpty()) {
                throw ApiException.conflict("", "pods/binding", api.name(),
                        "pod " + api.name() + " is already assigned to node \"" + current + "\"");
            }
            pod.with("spec").put("nodeName", node);
            ObjectNode status = pod.with("status");
            ArrayNode conds = status.has("conditions") && status.get("conditions").isArray()
                    ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
            for (int i = conds.size() - 1; i >= 0; i--) {
                if ("PodScheduled".equals(conds.get(i).path("type").asText())) {
                    conds.remove(i);
                }
            }
            ObjectNode c = conds.addObject();
            c.put("type", "PodScheduled");
            c.put("status", "True");
            c.putNull("lastProbeTime");
            c.put("lastTransitionTime", Json.now());
            return pod;
        }, Options.Write.DEFAULT, "binding", 0).thenApply(p -> successStatus(201));
    }

    /**
     * An Eviction is admitted as a CREATE of pods/eviction (NodeRestriction checks a node evicts only its own pods); the
     * deletion it causes is not admitted again, as in Kubernetes.
     */
    private CompletableFuture<ObjectNode> evict(ApiRequest api, GenericStore store, ObjectNode eviction,
                                                RequestContext context) {
        JsonNode opts = eviction.path("deleteOptions");
        Long grace = opts.hasNonNull("gracePeriodSeconds") ? opts.get("gracePeriodSeconds").asLong() : null;
        JsonNode pre = opts.path("preconditions");
        boolean dryRun = opts.path("dryRun").toString().contains("All");
        Options.Delete delete = new Options.Delete(grace, Json.str(opts, "propagationPolicy"), Json.str(pre, "uid"),
                Json.str(pre, "resourceVersion"), dryRun);
        AdmissionRequest request = new AdmissionRequest(Operation.CREATE, api.type(), api.namespace(), api.name(),
                "eviction", eviction, null, context, dryRun);
        String bodyName = eviction.path("metadata").path("name").asText("");
        if (!bodyName.equals(api.name())) {
            throw ApiException.badRequest("name in URL does not match name in Eviction object");
        }
        Eviction budgeted = new Eviction(store, budgetStore());
        return admission.admit(request).thenCompose(v -> admission.validate(request))
                .thenCompose(v -> budgeted.evict(api.namespace(), api.name(), delete));
    }

    /** The PodDisruptionBudgets' store (null when that kind is not served). */
    private GenericStore budgetStore() {
        for (Map.Entry<ResourceType, GenericStore> e : stores.entrySet()) {
            if ("policy".equals(e.getKey().group()) && "poddisruptionbudgets".equals(e.getKey().plural())) {
                return e.getValue();
            }
        }
        return null;
    }

    /** pods/exec is admitted as a CONNECT with the exec options, before the kubelet is dialled. */
    private CompletableFuture<Void> connect(HttpServerRequest req, ApiRequest api, RequestContext context) {
        ObjectNode options = Json.MAPPER.createObjectNode();
        options.put("kind", "PodExecOptions");
        options.put("apiVersion", "v1");
        req.params().names().forEach(n -> options.put(n, req.getParam(n)));
        AdmissionRequest request = new AdmissionRequest(Operation.CONNECT, api.type(), api.namespace(), api.name(),
                api.subresource(), options, null, context, false);
        return admission.admit(request).thenCompose(v -> admission.validate(request));
    }

    static ObjectNode successStatus(int code) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        s.put("code", code);
        return s;
    }

    private void finalizeNamespace(HttpServerRequest req, ApiRequest api, GenericStore store, ApiHandler http) {
        if (req.method() != HttpMethod.PUT) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        http.withBody(req, raw -> {
            ObjectNode body = http.decodeObject(req, raw, api.type());
            http.reply(req, store.guaranteedUpdate(null, api.name(),
                    current -> http.namespaceStrategy().prepareForFinalize(body, current), Options.Write.DEFAULT,
                    "finalize", 0), o -> o);
        });
    }

    // ---------------------------------------------------------------- scale

    private void scale(HttpServerRequest req, ApiRequest api, GenericStore store, ApiHandler http,
                       RequestContext context) {
        HttpMethod m = req.method();
        ScaleSubresource paths = api.type().scale();
        if (m == HttpMethod.GET) {
            http.reply(req, store.get(api.namespace(), api.name()), o -> toScale(o, paths));
            return;
        }
        if (m != HttpMethod.PUT && m != HttpMethod.PATCH) {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
        http.withBody(req, raw -> {
            String ct = ApiHandler.mediaType(req.getHeader("Content-Type"));
            JsonNode body = ApiHandler.parseJson(raw, ct.endsWith("yaml"));
            ResourceType scaleType = api.type();
            CompletableFuture<ObjectNode> result = store.guaranteedUpdate(api.namespace(), api.name(), current -> {
                ObjectNode scale = toScale(current, paths);
                ObjectNode wanted;
                if (m == HttpMethod.PUT) {
                    wanted = (ObjectNode) body;
                    String rv = Json.str(wanted.path("metadata"), "resourceVersion");
                    if (rv != null && !rv.isEmpty() && !rv.equals(Json.str(current.path("metadata"), "resourceVersion"))) {
                        throw ApiException.staleObject(scaleType.group(), scaleType.plural(), api.name());
                    }
                } else {
                    wanted = (ObjectNode) ApiHandler.applyPatch(ct, scale, body, scaleType);
                }
                JsonNode replicas = wanted.path("spec").path("replicas");
                if (replicas.isIntegralNumber() && !replicas.canConvertToInt()) {
                    throw ApiException.badRequest("Scale in version \"v1\" cannot be handled as a Scale: json: "
                            + "cannot unmarshal number " + replicas + " into Go struct field ScaleSpec.spec.replicas "
                            + "of type int32");
                }
                if (!replicas.isIntegralNumber() || replicas.asLong() < 0) {
                    throw ApiException.invalid("autoscaling", "Scale", api.name(),
                            List.of(new dev.keelson.apiserver.validation.FieldError("FieldValueInvalid",
                                    "spec.replicas", "Invalid value: " + replicas
                                            + ": must be greater than or equal to 0")));
                }
                paths.setSpecReplicas(current, replicas.asInt());
                return current;
            }, new Options.Write(false, req.getParam("fieldManager"), context), "scale", 0);
            http.reply(req, 200, result, o -> toScale(o, paths), context.warnings());
        });
    }

    /** The autoscaling/v1 Scale of an object, read where its registration says replicas and selector are. */
    static ObjectNode toScale(ObjectNode obj, ScaleSubresource paths) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("kind", "Scale");
        s.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = s.putObject("metadata");
        JsonNode m = obj.path("metadata");
        for (String f : new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
            if (m.has(f)) {
                meta.set(f, m.get(f));
            }
        }
        s.putObject("spec").put("replicas", paths.specReplicas(obj));
        ObjectNode status = s.putObject("status");
        status.put("replicas", paths.statusReplicas(obj));
        status.put("selector", paths.selector(obj));
        return s;
    }

    static Buffer empty() {
        return Buffer.buffer();
    }

    /** Access to the store's deletion check without widening GenericStore's API. */
    static final class GenericStoreAccess {
        private GenericStoreAccess() {}

        static boolean isBeingDeleted(JsonNode obj) {
            JsonNode ts = obj.path("metadata").get("deletionTimestamp");
            return ts != null && !ts.isNull();
        }
    }
}
