package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.apiextensions.CustomResources;
import dev.keelson.apiserver.audit.RequestAudit;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.auth.AuthorizerChain;
import dev.keelson.apiserver.auth.Decision;
import dev.keelson.apiserver.auth.Impersonation;
import dev.keelson.apiserver.auth.RequestAttributes;
import dev.keelson.apiserver.auth.NodeBootstrap;
import dev.keelson.apiserver.openapi.UnknownFields;
import dev.keelson.apiserver.patch.ApplyConflictException;
import dev.keelson.apiserver.patch.JsonMergePatch;
import dev.keelson.apiserver.patch.JsonPatch;
import dev.keelson.apiserver.patch.PatchException;
import dev.keelson.apiserver.patch.ServerSideApply;
import dev.keelson.apiserver.patch.StrategicMergePatch;
import dev.keelson.apiserver.printers.TablePrinter;
import dev.keelson.apiserver.printers.TablePrinters;
import dev.keelson.apiserver.protobuf.ProtobufBodies;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.NamespaceStrategy;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import dev.keelson.apiserver.registry.ReviewStrategy;
import dev.keelson.apiserver.selection.FieldSelector;
import dev.keelson.apiserver.validation.FieldError;
import dev.keelson.componentbase.api.LabelSelector;
import dev.keelson.componentbase.api.SelectorException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge of the apiserver: authenticates, parses the resource path, decodes bodies, calls the generic
 * store, and renders objects, lists, Tables and Status errors as kube-apiserver does.
 */
public final class ApiHandler implements Handler<HttpServerRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    static final int MAX_BODY = 3 * 1024 * 1024;
    /** How much of a refused body is read and dropped before the connection is closed instead. */
    static final long DRAIN_LIMIT = 64L * 1024 * 1024;
    static final String JSON = "application/json";
    static final String PROTOBUF = "application/vnd.kubernetes.protobuf";

    private final Resources resources;
    private final Map<ResourceType, GenericStore> stores;
    private final Authenticator authenticator;
    private final AuthorizerChain authorizer;
    private final NodeBootstrap nodeBootstrap;
    private final Discovery discovery;
    private final OpenApiService openApi;
    private final WatchHandler watches;
    private final Subresources subresources;
    private final MeterRegistry metrics;
    private final HealthChecks health;
    private final String prometheusScrapeName;
    private final java.util.function.Supplier<String> scrape;
    private final RequestGate gate;
    private volatile dev.keelson.apiserver.metrics.MetricsApi metricsApi;
    private final Map<String, NonResourceHandler> nonResource = new java.util.concurrent.ConcurrentHashMap<>();

    public ApiHandler(Resources resources, Map<ResourceType, GenericStore> stores, Authenticator authenticator,
                      AuthorizerChain authorizer, NodeBootstrap nodeBootstrap, Discovery discovery, OpenApiService openApi, WatchHandler watches, Subresources subresources,
                      MeterRegistry metrics, HealthChecks health, java.util.function.Supplier<String> scrape,
                      RequestGate gate) {
        this.gate = gate;
        this.resources = resources;
        this.stores = stores;
        this.authenticator = authenticator;
        this.authorizer = authorizer;
        this.nodeBootstrap = nodeBootstrap;
        this.discovery = discovery;
        this.openApi = openApi;
        this.watches = watches;
        this.subresources = subresources;
        this.metrics = metrics;
        this.health = health;
        this.prometheusScrapeName = "metrics";
        this.scrape = scrape;
    }

    /** Serves metrics.k8s.io from this API (set once at start). */
    public void metricsApi(dev.keelson.apiserver.metrics.MetricsApi api) {
        this.metricsApi = api;
    }

    /** A handler of one non-resource path, called after authentication and authorization. */
    public interface NonResourceHandler {
        void handle(HttpServerRequest req, Authenticator.User user);
    }

    /** Serves {@code path} (e.g. {@code /keelson/v1/secrets-encrypt/status}) with {@code handler}. */
    public void serveNonResource(String path, NonResourceHandler handler) {
        nonResource.put(path, handler);
    }

    /** Readiness and liveness answers. */
    public interface HealthChecks {
        /** null when etcd answers now, else why not (for /readyz and /healthz). */
        Future<String> etcdReadiness();

        /** null unless etcd has not answered for longer than the liveness threshold (for /livez). */
        String etcdLiveness();

        boolean started();
    }

    @Override
    public void handle(HttpServerRequest req) {
        long start = System.nanoTime();
        String path = req.path();
        req.response().endHandler(v -> record(req, path, start));
        try {
            switch (path) {
                case "/healthz", "/livez", "/readyz", "/healthz/", "/livez/", "/readyz/" -> {
                    serveHealth(req, path);
                    return;
                }
                case "/version", "/version/" -> {
                    sendJson(req, 200, Version.json());
                    return;
                }
                case NodeBootstrap.CA_PATH -> {
                    // anonymous on purpose: a joining node checks what it gets against its token's CA fingerprint
                    req.response().putHeader("Content-Type", "application/x-pem-file").end(nodeBootstrap.caPem());
                    return;
                }
                default -> { }
            }
            Authenticator.User user = authenticator.authenticate(req);
            if (user == null) {
                // anonymous: only what the authorizers grant system:unauthenticated (none of it by default beyond
                // the health and version paths above); anything else stays 401, not kube-apiserver's 403
                user = Authenticator.ANONYMOUS;
                if (authorizer.authorize(RequestAttributes.of(req, user)).kind() != Decision.Kind.ALLOW) {
                    sendError(req, ApiException.unauthorized());
                    return;
                }
            } else {
                ConnectionGuard.authenticated(req.connection());
            }
            RequestAudit.authenticated(req, user);
            user = Impersonation.apply(req, user, authorizer);
            Runnable release = gate.admit(req, user, RequestGate.longRunning(req, path.split("/")));
            if (release == null) {
                return;
            }
            req.response().endHandler(v -> {
                release.run();
                record(req, path, start);
            });
            authorizer.check(RequestAttributes.of(req, user));
            RequestAudit.authorized(req);
            route(req, path, user);
        } catch (Throwable e) {
            sendError(req, e);
        }
    }

    private void record(HttpServerRequest req, String path, long start) {
        RequestAudit.complete(req);
        String verb = req.method().name();
        String resource = resourceLabel(path);
        String code = Integer.toString(req.response().getStatusCode());
        Timer.builder("apiserver_request_duration_seconds").tag("verb", verb).tag("resource", resource)
                .tag("code", code).publishPercentileHistogram().register(metrics)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    private String resourceLabel(String path) {
        String[] seg = path.split("/");
        for (int i = seg.length - 1; i >= 0; i--) {
            for (ResourceType t : resources.all()) {
                if (t.plural().equals(seg[i])) {
                    return t.plural();
                }
            }
        }
        return "other";
    }

    /**
     * kube-apiserver's health endpoints: "ok", or with ?verbose or on a failure one line per check
     * ({@code [+]etcd ok}, {@code [-]etcd failed: reason withheld}) and "livez check failed"; the reason is logged.
     */
    private void serveHealth(HttpServerRequest req, String path) {
        String name = path.substring(1).replace("/", "");
        boolean live = "livez".equals(name);
        Future<String> etcd = live ? Future.succeededFuture(health.etcdLiveness()) : health.etcdReadiness();
        etcd.onComplete(ar -> {
            String etcdError = ar.succeeded() ? ar.result() : String.valueOf(ar.cause());
            boolean started = live || health.started();
            boolean ok = etcdError == null && started;
            String body;
            if (ok && !req.params().contains("verbose")) {
                body = "ok";
            } else {
                body = "[+]ping ok\n" + (etcdError == null ? "[+]etcd ok\n" : "[-]etcd failed: reason withheld\n")
                        + (started ? "[+]poststarthook/keelson-bootstrap ok\n"
                        : "[-]poststarthook/keelson-bootstrap failed: reason withheld\n")
                        + name + " check " + (ok ? "passed" : "failed");
            }
            if (etcdError != null) {
                LOG.warn("{} check failed: [-]etcd failed: {}", name, etcdError);
            }
            req.response().setStatusCode(ok ? 200 : 500).putHeader("Content-Type", "text/plain; charset=utf-8")
                    .putHeader("X-Content-Type-Options", "nosniff").end(body);
        });
    }

    private void route(HttpServerRequest req, String path, Authenticator.User user) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String[] seg = trimmed.substring(1).split("/");
        if ("metrics".equals(seg[0]) && seg.length == 1) {
            req.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(scrape.get());
            return;
        }
        NonResourceHandler extra = nonResource.get(trimmed);
        if (extra != null) {
            extra.handle(req, user);
            return;
        }
        if ("openapi".equals(seg[0])) {
            openApi.serve(req, seg);
            return;
        }
        boolean core = "api".equals(seg[0]);
        boolean groups = "apis".equals(seg[0]);
        if (!core && !groups) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        if (groups && seg.length >= 2 && dev.keelson.apiserver.metrics.MetricsApi.GROUP.equals(seg[1]) && metricsApi != null) {
            if (req.method() != HttpMethod.GET) {
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            }
            reply(req, metricsApi.get(seg, req.getParam("labelSelector"), req.getParam("fieldSelector")), o -> o);
            return;
        }
        if (core && seg.length <= 2 || groups && seg.length <= 3) {
            if (req.method() != HttpMethod.GET) {
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            }
            discovery.serve(req, seg);
            return;
        }
        ApiRequest api = ApiRequest.parse(seg, resources);
        if (api == null) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        String deprecated = CustomResources.deprecationWarning(api.type());
        if (deprecated != null) {
            req.response().headers().add("Warning", "299 - \"" + deprecated.replace("\"", "\\\"") + "\"");
        }
        HttpMethod m = req.method();
        if (api.subresource() != null && subresources.handles(api)) {
            subresources.handle(req, api, this, user);
            return;
        }
        if (api.type().strategy() instanceof ReviewStrategy review) {
            if (m != HttpMethod.POST || api.name() != null) {
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            }
            withBody(req, body -> sendJson(req, 201, review.review(decodeObject(req, body, api.type()), user,
                    api.namespace())));
            return;
        }
        GenericStore store = stores.get(api.type());
        if (api.name() == null) {
            if (m == HttpMethod.GET) {
                if (isTrue(req.getParam("watch"))) {
                    watches.serve(req, store, api.namespace(), listOptions(req));
                } else {
                    list(req, store, api);
                }
            } else if (m == HttpMethod.POST) {
                create(req, store, api, user);
            } else if (m == HttpMethod.DELETE) {
                deleteCollection(req, store, api, user);
            } else {
                throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
            }
            return;
        }
        if (m == HttpMethod.GET) {
            reply(req, store.get(api.namespace(), api.name()), obj -> render(req, api.type(), obj));
        } else if (m == HttpMethod.PUT) {
            update(req, store, api, user);
        } else if (m == HttpMethod.PATCH) {
            patch(req, store, api, user);
        } else if (m == HttpMethod.DELETE) {
            delete(req, store, api, user);
        } else {
            throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
        }
    }

    /** A boolean query parameter, see {@link dev.keelson.apiserver.QueryParams#bool}. */
    static boolean isTrue(String v) {
        return dev.keelson.apiserver.QueryParams.bool(v);
    }

    // ---------------------------------------------------------------- verbs

    private void list(HttpServerRequest req, GenericStore store, ApiRequest api) {
        Options.List opts = listOptions(req);
        reply(req, store.list(api.namespace(), opts), page -> {
            if (wantsTable(req)) {
                // kubectl get pages with limit=500 and follows the Table's continue token
                ObjectNode table = table(req, api.type(), page.items(), Long.toString(page.revision()));
                pageMeta((ObjectNode) table.get("metadata"), page);
                return table;
            }
            ObjectNode list = Json.MAPPER.createObjectNode();
            list.put("kind", api.type().listKind());
            list.put("apiVersion", api.type().apiVersion());
            ObjectNode meta = list.putObject("metadata");
            meta.put("resourceVersion", Long.toString(page.revision()));
            pageMeta(meta, page);
            ArrayNode items = list.putArray("items");
            page.items().forEach(items::add);
            return list;
        });
    }

    /** ListMeta's paging fields: the next page's token and how many objects it and the later pages hold. */
    private static void pageMeta(ObjectNode meta, GenericStore.ListResult page) {
        if (page.continueToken() != null) {
            meta.put("continue", page.continueToken());
            if (page.remainingItemCount() != null) {
                meta.put("remainingItemCount", page.remainingItemCount());
            }
        }
    }

    static Options.List listOptions(HttpServerRequest req) {
        long limit = 0;
        String l = req.getParam("limit");
        if (l != null && !l.isEmpty()) {
            try {
                limit = Long.parseLong(l);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("limit: Invalid value: \"" + l + "\": must be an integer");
            }
        }
        String cont = req.getParam("continue");
        return new Options.List(LabelSelector.parse(req.getParam("labelSelector")),
                FieldSelector.parse(req.getParam("fieldSelector")), limit,
                cont == null || cont.isEmpty() ? null : cont, req.getParam("resourceVersion"),
                req.getParam("resourceVersionMatch"));
    }

    private void create(HttpServerRequest req, GenericStore store, ApiRequest api, Authenticator.User user) {
        withBody(req, body -> {
            ObjectNode obj = decodeObject(req, body, api.type());
            String rv = Json.str(obj.path("metadata"), "resourceVersion");
            if (rv != null && !rv.isEmpty()) {
                throw ApiException.badRequest("resourceVersion should not be set on objects to be created");
            }
            RequestContext context = RequestContext.of(user, checkFields(req, obj, api.type()));
            Options.Write opts = writeOptions(req).withContext(context);
            reply(req, 201, store.create(api.namespace(), obj, opts), o -> o, context.warnings());
        });
    }

    private void update(HttpServerRequest req, GenericStore store, ApiRequest api, Authenticator.User user) {
        withBody(req, body -> {
            ObjectNode obj = decodeObject(req, body, api.type());
            RequestContext context = RequestContext.of(user, checkFields(req, obj, api.type()));
            reply(req, 200, store.update(api.namespace(), api.name(), obj, writeOptions(req).withContext(context),
                    api.subresource()), o -> o, context.warnings());
        });
    }

    private void patch(HttpServerRequest req, GenericStore store, ApiRequest api, Authenticator.User user) {
        withBody(req, body -> {
            String ct = mediaType(req.getHeader("Content-Type"));
            JsonNode patch = parseJson(body, ct.endsWith("yaml"));
            RequestContext context = RequestContext.of(user, List.of());
            Options.Write opts = writeOptions(req).withContext(context);
            ResourceType type = api.type();
            if ("application/apply-patch+yaml".equals(ct)) {
                apply(req, store, api, patch, opts);
                return;
            }
            Function<ObjectNode, ObjectNode> mutate = current -> {
                JsonNode result = applyPatch(ct, current, patch, type);
                if (!(result instanceof ObjectNode o)) {
                    throw ApiException.badRequest("the patch did not produce an object");
                }
                FieldValidation.patched(req, o, type);
                String wantRv = Json.str(o.path("metadata"), "resourceVersion");
                String haveRv = Json.str(current.path("metadata"), "resourceVersion");
                if (wantRv != null && !wantRv.equals(haveRv)) {
                    throw ApiException.staleObject(type.group(), type.plural(), api.name());
                }
                return o;
            };
            reply(req, 200, store.guaranteedUpdate(api.namespace(), api.name(), mutate, opts, api.subresource(), 0),
                    o -> o, context.warnings());
        });
    }

    public static JsonNode applyPatch(String contentType, ObjectNode current, JsonNode patch, ResourceType type) {
        try {
            return switch (contentType) {
                case "application/json-patch+json" -> JsonPatch.apply(current, patch);
                case "application/merge-patch+json" -> JsonMergePatch.apply(current, patch);
                case "application/strategic-merge-patch+json" -> {
                    if (CustomResources.isCustom(type)) {
                        throw CustomResources.strategicMergeUnsupported();
                    }
                    yield StrategicMergePatch.apply(current, patch, type.model());
                }
                default -> throw ApiException.unsupportedMediaType(contentType);
            };
        } catch (PatchException e) {
            throw new ApiException(422, "Invalid", e.getMessage(), null);
        }
    }

    private void apply(HttpServerRequest req, GenericStore store, ApiRequest api, JsonNode patch, Options.Write opts) {
        if (!(patch instanceof ObjectNode applied)) {
            throw ApiException.badRequest("apply patches must be objects");
        }
        String manager = req.getParam("fieldManager");
        if (manager == null || manager.isEmpty()) {
            throw ApiException.badRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                    + "is required for apply patch");
        }
        boolean force = isTrue(req.getParam("force"));
        ResourceType type = api.type();
        Options.Write noManager = new Options.Write(opts.dryRun(), null, opts.context());
        CompletableFuture<ObjectNode> result = store.get(api.namespace(), api.name()).handle((live, err) -> {
            if (err != null) {
                Throwable cause = unwrap(err);
                if (cause instanceof ApiException ae && ae.code() == 404) {
                    return null;
                }
                throw new CompletionException(cause);
            }
            return live;
        }).thenCompose(live -> {
            if (live == null) {
                ObjectNode created = applyOrConflict(null, applied, manager, force, type);
                Json.meta(created).put("name", api.name());
                return store.create(api.namespace(), created, noManager).thenApply(o -> {
                    req.response().setStatusCode(201);
                    return o;
                });
            }
            return store.guaranteedUpdate(api.namespace(), api.name(),
                    current -> applyOrConflict(current, applied, manager, force, type), noManager,
                    api.subresource(), 0);
        });
        reply(req, 0, result, o -> o, opts.context() == null ? List.of() : opts.context().warnings());
    }

    private static ObjectNode applyOrConflict(ObjectNode live, ObjectNode applied, String manager, boolean force,
                                              ResourceType type) {
        try {
            ObjectNode result = ServerSideApply.apply(live, applied.deepCopy(), manager, force, type.apiVersion(),
                    type.strategy().mergeType());
            String intError = dev.keelson.apiserver.openapi.IntegerFields.firstError(result, type.model());
            if (intError != null) {
                throw ApiException.badRequest("error decoding YAML: " + intError);
            }
            return result;
        } catch (ApplyConflictException e) {
            ObjectNode details = Json.MAPPER.createObjectNode();
            details.put("name", Json.str(applied.path("metadata"), "name"));
            details.put("group", type.group());
            details.put("kind", type.plural());
            ArrayNode causes = details.putArray("causes");
            List<String> parts = new ArrayList<>();
            for (var c : e.conflicts()) {
                ObjectNode cause = causes.addObject();
                cause.put("reason", "FieldManagerConflict");
                cause.put("message", "conflict with \"" + c.manager() + "\"");
                cause.put("field", c.field());
                parts.add("conflict with \"" + c.manager() + "\": " + c.field());
            }
            String msg = "Apply failed with " + parts.size() + " conflict" + (parts.size() == 1 ? "" : "s") + ": "
                    + String.join(", ", parts);
            throw new ApiException(409, "Conflict", msg, details);
        } catch (PatchException e) {
            throw new ApiException(422, "Invalid", e.getMessage(), null);
        }
    }

    private void delete(HttpServerRequest req, GenericStore store, ApiRequest api, Authenticator.User user) {
        withBody(req, body -> {
            RequestContext context = RequestContext.of(user, List.of());
            Options.Delete opts = deleteOptions(req, body).withContext(context);
            reply(req, 200, store.delete(api.namespace(), api.name(), opts), r -> {
                if (api.type().strategy().returnsDeletedObject() || !r.removed()) {
                    return r.object();
                }
                return successStatus(api.type(), r.object());
            }, context.warnings());
        });
    }

    static ObjectNode successStatus(ResourceType type, ObjectNode obj) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        ObjectNode d = s.putObject("details");
        d.put("name", Json.str(obj.path("metadata"), "name"));
        if (!type.group().isEmpty()) {
            d.put("group", type.group());
        }
        d.put("kind", type.plural());
        d.put("uid", Json.str(obj.path("metadata"), "uid"));
        return s;
    }

    private void deleteCollection(HttpServerRequest req, GenericStore store, ApiRequest api,
                                  Authenticator.User user) {
        withBody(req, body -> {
            Options.Delete opts = deleteOptions(req, body).withContext(RequestContext.of(user, List.of()));
            reply(req, store.deleteCollection(api.namespace(), listOptions(req), opts), items -> {
                ObjectNode list = Json.MAPPER.createObjectNode();
                list.put("kind", api.type().listKind());
                list.put("apiVersion", api.type().apiVersion());
                list.putObject("metadata");
                ArrayNode arr = list.putArray("items");
                items.forEach(arr::add);
                return list;
            });
        });
    }

    /** Something done with a request body; whatever it throws becomes the Status reply. */
    interface BodyAction {
        void accept(Buffer body) throws Throwable;
    }

    /** Reads the body (bounded) and runs {@code action} on it, answering any failure as a Status. */
    void withBody(HttpServerRequest req, BodyAction action) {
        readBody(req).onComplete(ar -> {
            if (ar.failed()) {
                runWithBody(req, action, ar);
                return;
            }
            // decoding, patching and validating take milliseconds per megabyte (and the first protobuf body seconds,
            // to load its classes): off the event loop, so one request cannot stall every connection on it
            gate.offload(req, () -> runWithBody(req, action, ar));
        });
    }

    private void runWithBody(HttpServerRequest req, BodyAction action, io.vertx.core.AsyncResult<Buffer> body) {
        try {
            if (body.failed()) {
                throw body.cause();
            }
            RequestAudit.requestBody(req, body.result());
            action.accept(body.result());
        } catch (Throwable e) {
            sendError(req, e);
        }
    }

    Options.Delete deleteOptions(HttpServerRequest req, Buffer body) {
        JsonNode opts = Json.MAPPER.createObjectNode();
        String ct = mediaType(req.getHeader("Content-Type"));
        if (body.length() > 0) {
            if (ct.equals(PROTOBUF)) {
                opts = ProtobufBodies.decode(body.getBytes());
            } else {
                opts = parseJson(body, ct.endsWith("yaml"));
            }
        }
        Long grace = opts.hasNonNull("gracePeriodSeconds") ? opts.get("gracePeriodSeconds").asLong() : null;
        String g = req.getParam("gracePeriodSeconds");
        if (g != null && !g.isEmpty()) {
            grace = Long.parseLong(g);
        }
        String policy = Json.str(opts, "propagationPolicy");
        if (req.getParam("propagationPolicy") != null) {
            policy = req.getParam("propagationPolicy");
        }
        if (policy == null && opts.has("orphanDependents")) {
            policy = opts.get("orphanDependents").asBoolean() ? "Orphan" : "Background";
        }
        JsonNode pre = opts.path("preconditions");
        boolean dryRun = "All".equals(req.getParam("dryRun")) || opts.path("dryRun").toString().contains("All");
        return new Options.Delete(grace, policy, Json.str(pre, "uid"), Json.str(pre, "resourceVersion"), dryRun);
    }

    static Options.Write writeOptions(HttpServerRequest req) {
        String dry = req.getParam("dryRun");
        if (dry != null && !dry.isEmpty() && !"All".equals(dry)) {
            throw ApiException.badRequest("dryRun: Unsupported value: \"" + dry + "\": supported values: \"All\"");
        }
        return new Options.Write("All".equals(dry), req.getParam("fieldManager"));
    }

    // ---------------------------------------------------------------- bodies

    Future<Buffer> readBody(HttpServerRequest req) {
        Promise<Buffer> promise = Promise.promise();
        String len = req.getHeader("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len) > MAX_BODY) {
                    req.pause();
                    promise.fail(refuseBody(req));
                    return promise.future();
                }
            } catch (NumberFormatException ignored) {
                // a malformed length is the HTTP codec's problem
            }
        }
        Buffer acc = Buffer.buffer();
        req.handler(chunk -> {
            if (acc.length() + chunk.length() > MAX_BODY) {
                if (!promise.future().isComplete()) {
                    req.pause();
                    promise.tryFail(refuseBody(req));
                }
                return;
            }
            acc.appendBuffer(chunk);
        });
        req.endHandler(v -> promise.tryComplete(acc));
        req.exceptionHandler(promise::tryFail);
        return promise.future();
    }

    /**
     * Answers 413 to a body over the limit, then reads and drops the rest of the body (kept nowhere) and closes the
     * connection when it ends: a client that reads its answer only once it has sent its body, as the JDK's HTTP client
     * does, gets the 413 instead of a broken connection. Past {@link #DRAIN_LIMIT} dropped bytes the connection is
     * closed at once; a client that stops sending is closed by the idle timeout.
     */
    private static ApiException refuseBody(HttpServerRequest req) {
        ApiException e = ApiException.tooLarge("Request entity too large: limit is " + MAX_BODY);
        HttpServerResponse resp = req.response();
        if (!resp.ended() && !resp.closed()) {
            resp.setStatusCode(e.code()).putHeader("Content-Type", JSON)
                    .end(Buffer.buffer(Json.bytes(e.toStatus())).appendByte((byte) '\n'));
            long[] dropped = {0};
            req.handler(chunk -> {
                dropped[0] += chunk.length();
                if (dropped[0] > DRAIN_LIMIT) {
                    req.connection().close();
                }
            });
            req.endHandler(v -> req.connection().close());
            req.resume();
        }
        return e;
    }

    /** The object in a create or update body, checked and cleaned as the request's fieldValidation says. */
    ObjectNode decodeObject(HttpServerRequest req, Buffer body, ResourceType type) {
        String ct = mediaType(req.getHeader("Content-Type"));
        ObjectNode obj = decodeObject(ct, body, type);
        boolean json = ct.isEmpty() || ct.equals(JSON) || ct.endsWith("+json") || ct.equals("*/*");
        FieldValidation.decoded(req, obj, type, json ? body.getBytes() : null);
        return obj;
    }

    /** The object in a create or update body of media type {@code ct}; public for the fuzz tests. */
    public static ObjectNode decodeObject(String ct, Buffer body, ResourceType type) {
        if (body.length() == 0) {
            throw ApiException.badRequest("the request body is empty");
        }
        JsonNode node;
        if (PROTOBUF.equals(ct)) {
            node = ProtobufBodies.decode(body.getBytes());
        } else if (ct.isEmpty() || ct.equals(JSON) || ct.endsWith("+json") || ct.equals("*/*")) {
            node = parseJson(body, false);
        } else if (ct.equals("application/yaml") || ct.endsWith("+yaml")) {
            node = parseJson(body, true);
        } else {
            throw ApiException.unsupportedMediaType(ct);
        }
        if (!(node instanceof ObjectNode obj)) {
            throw ApiException.badRequest("Object 'Kind' is missing in '" + node + "'");
        }
        String kind = Json.str(obj, "kind");
        String apiVersion = Json.str(obj, "apiVersion");
        if (kind != null && !kind.isEmpty() && !kind.equals(type.kind())
                && !(type.kind().equals("Namespace") && kind.equals("Namespace"))) {
            throw ApiException.badRequest(kind + " in version \"" + (apiVersion == null ? "" : apiVersion)
                    + "\" cannot be handled as a " + type.kind() + ": the object kind does not match the URL");
        }
        if (apiVersion != null && !apiVersion.isEmpty() && !apiVersion.equals(type.apiVersion())) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion
                    + ") does not match the expected API version (" + type.apiVersion() + ")");
        }
        return obj;
    }

    public static JsonNode parseJson(Buffer body, boolean yaml) {
        try {
            if (body.length() == 0) {
                throw ApiException.badRequest("the request body is empty");
            }
            return Utf16.fix(yaml ? YamlBodies.read(body.getBytes()) : Json.MAPPER.readTree(body.getBytes()));
        } catch (java.io.IOException | NumberFormatException e) {
            // Jackson throws NumberFormatException for a number it cannot hold (an exponent of 60 digits)
            String msg = e.getMessage() == null ? "malformed body" : e.getMessage().split("\n")[0];
            throw ApiException.badRequest("the body of the request could not be decoded: " + msg);
        }
    }

    /**
     * fieldValidation for custom resources (built-in kinds are checked and cleaned as they are decoded, see
     * {@link FieldValidation}): Strict refuses unknown fields, Warn reports them as warnings, Ignore drops them silently.
     */
    List<String> checkFields(HttpServerRequest req, ObjectNode obj, ResourceType type) {
        if (type.model() != null) {
            return List.of();
        }
        String mode = req.getParam("fieldValidation");
        if (mode == null || mode.isEmpty() || "Ignore".equals(mode)) {
            return List.of();
        }
        if (!"Strict".equals(mode) && !"Warn".equals(mode)) {
            throw ApiException.badRequest("fieldValidation: Unsupported value: \"" + mode
                    + "\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }
        List<String> unknown = type.model() != null ? UnknownFields.find(obj, type.model())
                : CustomResources.unknownFields(type, obj);
        if (unknown.isEmpty()) {
            return List.of();
        }
        if ("Strict".equals(mode)) {
            List<String> parts = new ArrayList<>();
            unknown.forEach(f -> parts.add("unknown field \"" + f.replaceFirst("^\\.", "") + "\""));
            throw ApiException.badRequest(type.kind() + " in version \"" + type.version() + "\" cannot be handled as a "
                    + type.kind() + ": strict decoding error: " + String.join(", ", parts));
        }
        List<String> warnings = new ArrayList<>();
        unknown.forEach(f -> warnings.add("unknown field \"" + f.replaceFirst("^\\.", "") + "\""));
        return warnings;
    }

    static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semi = header.indexOf(';');
        return (semi >= 0 ? header.substring(0, semi) : header).trim().toLowerCase();
    }

    // ---------------------------------------------------------------- rendering

    static boolean wantsTable(HttpServerRequest req) {
        String accept = req.getHeader("Accept");
        return accept != null && accept.contains("as=Table");
    }

    JsonNode render(HttpServerRequest req, ResourceType type, ObjectNode obj) {
        if (wantsTable(req)) {
            return table(req, type, List.of(obj), Json.str(obj.path("metadata"), "resourceVersion"));
        }
        return obj;
    }

    ObjectNode table(HttpServerRequest req, ResourceType type, List<ObjectNode> items, String rv) {
        TablePrinter printer = type.strategy().printer();
        boolean includeObject = "Object".equals(req.getParam("includeObject"));
        return TablePrinters.toTable(printer, items, rv, includeObject, Instant.now());
    }

    <T> void reply(HttpServerRequest req, CompletableFuture<T> future, Function<T, JsonNode> render) {
        reply(req, 200, future, render, List.of());
    }

    <T> void reply(HttpServerRequest req, int code, CompletableFuture<T> future, Function<T, JsonNode> render,
                   List<String> warnings) {
        future.whenComplete((value, error) -> {
            if (error != null) {
                sendError(req, error);
                return;
            }
            try {
                JsonNode body = render.apply(value);
                warnings.forEach(w -> req.response().headers().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\""));
                int status = code == 0 ? (req.response().getStatusCode() == 201 ? 201 : 200) : code;
                sendJson(req, status, body);
            } catch (Throwable e) {
                sendError(req, e);
            }
        });
    }

    public static void sendJson(HttpServerRequest req, int code, JsonNode body) {
        HttpServerResponse resp = req.response();
        if (resp.ended() || resp.closed()) {
            return;
        }
        // kube-apiserver's JSON encoder ends every body with a newline; clients that read line by line rely on it
        byte[] bytes = Json.bytes(body);
        RequestAudit.responseBody(req, bytes);
        resp.setStatusCode(code).putHeader("Content-Type", JSON).end(Buffer.buffer(bytes).appendByte((byte) '\n'));
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    public static ApiException toApiException(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof ApiException ae) {
            return ae;
        }
        if (e instanceof SelectorException se) {
            return ApiException.badRequest(se.getMessage());
        }
        if (e instanceof PatchException pe) {
            return new ApiException(422, "Invalid", pe.getMessage(), null);
        }
        if (e instanceof ProtobufBodies.DecodeException de) {
            return ApiException.badRequest("the protobuf body could not be decoded: " + de.getMessage());
        }
        if (e instanceof NumberFormatException nfe) {
            return ApiException.badRequest("invalid number: " + nfe.getMessage());
        }
        if (e instanceof IllegalArgumentException iae) {
            return ApiException.badRequest(iae.getMessage());
        }
        if (e instanceof io.etcd.jetcd.common.exception.EtcdException ee) {
            LOG.warn("etcd error", ee);
            return ApiException.serviceUnavailable("etcd is unavailable: " + ee.getMessage());
        }
        LOG.error("internal error", e);
        return ApiException.internal(String.valueOf(e.getMessage()));
    }

    void sendError(HttpServerRequest req, Throwable error) {
        ApiException ae = toApiException(error);
        sendJson(req, ae.code(), ae.toStatus());
    }

    static ApiException invalid(ResourceType type, String name, String field, String message) {
        return ApiException.invalid(type.group(), type.kind(), name,
                List.of(new FieldError("FieldValueInvalid", field, message)));
    }

    NamespaceStrategy namespaceStrategy() {
        return (NamespaceStrategy) resources.find("", "v1", "namespaces").strategy();
    }

    GenericStore store(String group, String plural) {
        return stores.get(resources.find(group, "v1", plural));
    }
}
