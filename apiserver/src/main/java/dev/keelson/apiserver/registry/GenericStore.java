package dev.keelson.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.admission.AdmissionChain;
import dev.keelson.apiserver.admission.AdmissionRequest;
import dev.keelson.apiserver.admission.Operation;
import dev.keelson.apiserver.admission.RequestContext;
import dev.keelson.apiserver.storage.EtcdStorage;
import dev.keelson.apiserver.storage.WatchCache;
import dev.keelson.apiserver.validation.FieldError;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Create, get, list, update, patch, delete and watch for every resource the same way, on etcd and the
 * resource's watch cache; everything resource-specific is asked of the {@link Strategy}.
 */
public final class GenericStore {
    private static final String NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_RETRIES = 16;

    private final ResourceType type;
    private final Strategy strategy;
    private final EtcdStorage etcd;
    private final WatchCache cache;
    private final AdmissionChain admission;
    private final ManagedFieldsRecorder managedFields;

    /** Keeps metadata.managedFields for non-apply writes. */
    public interface ManagedFieldsRecorder {
        void record(ObjectNode oldObj, ObjectNode newObj, String manager, String operation, String subresource);
    }

    /**
     * {@code admission} runs on every write that carries a request context (API requests): its mutating plugins
     * after decoding and defaulting, its validating plugins after the strategy's validation, before etcd, as
     * kube-apiserver's handlers and registry do.
     */
    public GenericStore(ResourceType type, EtcdStorage etcd, WatchCache cache, AdmissionChain admission,
                        ManagedFieldsRecorder managedFields) {
        this.type = type;
        this.strategy = type.strategy();
        this.etcd = etcd;
        this.cache = cache;
        this.admission = admission == null ? AdmissionChain.NONE : admission;
        this.managedFields = managedFields;
    }

    public ResourceType type() {
        return type;
    }

    public WatchCache cache() {
        return cache;
    }

    // ---------------------------------------------------------------- read

    public CompletableFuture<ObjectNode> get(String namespace, String name) {
        return etcd.get(type.key(namespace, name)).thenApply(kv -> kv.map(this::decode)
                .orElseThrow(() -> ApiException.notFound(type.group(), type.plural(), name)));
    }

    private ObjectNode decode(EtcdStorage.KeyValue kv) {
        try {
            ObjectNode obj = (ObjectNode) Json.MAPPER.readTree(kv.value());
            Json.meta(obj).put("resourceVersion", Long.toString(kv.modRevision()));
            return cache.fromStorage(obj);
        } catch (java.io.IOException e) {
            throw ApiException.internal("corrupt object at " + kv.key());
        }
    }

    /**
     * A page of a list, the revision it was read at, the token of the next page, and (when known: a paged list
     * without selectors, as Kubernetes) how many objects the next pages hold.
     */
    public record ListResult(List<ObjectNode> items, long revision, String continueToken, Long remainingItemCount) {
        public ListResult(List<ObjectNode> items, long revision, String continueToken) {
            this(items, revision, continueToken, null);
        }
    }

    public CompletableFuture<ListResult> list(String namespace, Options.List opts) {
        opts.fields().check(strategy.selectableFields());
        String rv = opts.resourceVersion();
        boolean paged = opts.limit() > 0 && (rv == null || rv.isEmpty()) || opts.continueToken() != null;
        if ("Exact".equals(opts.resourceVersionMatch()) && rv != null && !rv.isEmpty() && !"0".equals(rv)) {
            return listFromEtcd(namespace, opts, parseRevision(rv), null);
        }
        if (paged) {
            if (opts.continueToken() != null) {
                Continue token = Continue.decode(opts.continueToken());
                return listFromEtcd(namespace, opts, token.revision, token.startKey);
            }
            return listFromEtcd(namespace, opts, 0, null);
        }
        if (rv == null || rv.isEmpty()) {
            // a consistent read: straight from etcd, as kube-apiserver does without a resourceVersion
            return listFromEtcd(namespace, opts, 0, null);
        }
        CompletableFuture<Void> fresh;
        if ("0".equals(rv)) {
            fresh = cache.ready();
        } else {
            long wanted = parseRevision(rv);
            fresh = cache.waitForRevision(wanted).orTimeout(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        return fresh.handle((v, err) -> err).thenCompose(err -> {
            if (err != null) {
                // the cache did not catch up in time: read the same data from etcd
                return listFromEtcd(namespace, opts, 0, null);
            }
            return CompletableFuture.completedFuture(fromCache(namespace, opts));
        });
    }

    private ListResult fromCache(String namespace, Options.List opts) {
        {
            WatchCache.Snapshot snap = namespace == null || !type.namespaced() ? cache.snapshot()
                    : cache.snapshot(type.prefix(namespace));
            List<ObjectNode> items = new ArrayList<>();
            List<ObjectNode> all = snap.objects();
            for (int i = 0; i < all.size(); i++) {
                ObjectNode o = all.get(i);
                if (!matches(o, opts)) {
                    continue;
                }
                if (opts.limit() > 0 && items.size() >= opts.limit()) {
                    // a page of the cache's snapshot: the next pages are read from etcd at the snapshot's revision,
                    // so every page shows the same consistent state (410 once etcd has compacted past it)
                    ObjectNode last = items.get(items.size() - 1);
                    JsonNode meta = last.path("metadata");
                    String lastKey = type.key(meta.path("namespace").asText(null), meta.path("name").asText());
                    Long remaining = unselective(opts) ? (long) (all.size() - i) : null;
                    return new ListResult(items, snap.revision(),
                            new Continue(snap.revision(), lastKey + "\0").encode(), remaining);
                }
                items.add(o);
            }
            return new ListResult(items, snap.revision(), null);
        }
    }

    private CompletableFuture<ListResult> listFromEtcd(String namespace, Options.List opts, long revision,
                                                       String startKey) {
        List<ObjectNode> acc = new ArrayList<>();
        return pageFromEtcd(type.prefix(namespace), startKey, revision, opts, acc).exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause.getMessage() != null && cause.getMessage().contains("compacted")) {
                throw ApiException.gone("The provided continue parameter is too old to display a consistent list "
                        + "result. You can start a new list without the continue parameter.");
            }
            throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
        });
    }

    private CompletableFuture<ListResult> pageFromEtcd(String prefix, String from, long revision, Options.List opts,
                                                       List<ObjectNode> acc) {
        long want = opts.limit() > 0 ? opts.limit() : 0;
        long batch = want > 0 ? Math.max(want - acc.size(), 1) + 1 : 5000;
        return etcd.range(prefix, from, revision, batch).thenCompose(page -> {
            String lastKey = null;
            boolean more = page.more();
            List<EtcdStorage.KeyValue> items = page.items();
            for (int i = 0; i < items.size(); i++) {
                EtcdStorage.KeyValue kv = items.get(i);
                if (want > 0 && acc.size() >= want) {
                    // an item beyond the page exists: continue after the last key examined, which is the previous
                    // range's when the page filled up at the end of it (a selective list reads on past its page)
                    Long remaining = unselective(opts) ? page.count() - i : null;
                    String resume = lastKey != null ? lastKey + "\0" : from;
                    return CompletableFuture.completedFuture(new ListResult(acc, page.revision(),
                            new Continue(page.revision(), resume).encode(), remaining));
                }
                ObjectNode obj = decode(kv);
                lastKey = kv.key();
                if (matches(obj, opts)) {
                    acc.add(obj);
                }
            }
            if (more && lastKey != null) {
                return pageFromEtcd(prefix, lastKey + "\0", page.revision(), opts, acc);
            }
            return CompletableFuture.completedFuture(new ListResult(acc, page.revision(), null));
        });
    }

    /** The opaque continue token: the revision of the first page and the next key. */
    record Continue(long revision, String startKey) {
        String encode() {
            ObjectNode n = Json.MAPPER.createObjectNode();
            n.put("v", "meta.k8s.io/v1");
            n.put("rv", revision);
            n.put("start", startKey);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(n));
        }

        static Continue decode(String token) {
            try {
                JsonNode n = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(token));
                return new Continue(n.get("rv").asLong(), n.get("start").asText());
            } catch (Exception e) {
                throw ApiException.badRequest("continue key is not valid: " + e.getMessage());
            }
        }
    }

    /** Without selectors every remaining key is an object of the next pages, so their count is exact. */
    private static boolean unselective(Options.List opts) {
        return opts.labels().isEmpty() && opts.fields().isEmpty();
    }

    public boolean matches(ObjectNode obj, Options.List opts) {
        return opts.labels().matches(obj) && (opts.fields().isEmpty() || opts.fields().matches(strategy.fields(obj)));
    }

    static long parseRevision(String rv) {
        try {
            long r = Long.parseLong(rv);
            if (r < 0) {
                throw new NumberFormatException();
            }
            return r;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("Invalid value: \"" + rv + "\": resourceVersion must be an integer");
        }
    }

    // ---------------------------------------------------------------- create

    public CompletableFuture<ObjectNode> create(String namespace, ObjectNode obj, Options.Write opts) {
        ObjectNode meta = Json.meta(obj);
        if (type.namespaced()) {
            String bodyNs = Json.str(meta, "namespace");
            if (bodyNs != null && !bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace "
                        + "sent on the request");
            }
            meta.put("namespace", namespace);
        } else {
            meta.remove("namespace");
        }
        obj.put("apiVersion", type.apiVersion());
        obj.put("kind", type.kind());
        strategy.defaults(obj);
        AdmissionRequest request = admission(Operation.CREATE, namespace, null, null, obj, null, opts.context(),
                opts.dryRun());
        return admit(request).thenCompose(v -> prepareAndValidateCreate(namespace, obj, opts, request));
    }

    private CompletableFuture<ObjectNode> prepareAndValidateCreate(String namespace, ObjectNode obj,
                                                                   Options.Write opts, AdmissionRequest request) {
        ObjectNode meta = Json.meta(obj);
        boolean generated = (Json.str(meta, "name") == null || Json.str(meta, "name").isEmpty())
                && Json.str(meta, "generateName") != null && !Json.str(meta, "generateName").isEmpty();
        if (generated) {
            meta.put("name", generateName(Json.str(meta, "generateName")));
        }
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", Json.now());
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.remove("selfLink");
        strategy.prepareForCreate(obj, opts.context());
        List<FieldError> errors = strategy.validate(obj);
        if (!errors.isEmpty()) {
            throw ApiException.invalid(type.group(), type.kind(), Json.str(meta, "name"), errors);
        }
        if (managedFields != null && opts.fieldManager() != null) {
            managedFields.record(null, obj, opts.fieldManager(), "Update", null);
        }
        return validate(request).thenCompose(v -> createWithRetries(namespace, obj, opts, generated, 0));
    }

    private AdmissionRequest admission(Operation op, String namespace, String name, String subresource,
                                       ObjectNode obj, ObjectNode old, RequestContext context, boolean dryRun) {
        return context == null ? null
                : new AdmissionRequest(op, type, namespace, name, subresource, obj, old, context, dryRun);
    }

    private CompletableFuture<Void> admit(AdmissionRequest request) {
        return request == null ? AdmissionChain.DONE : admission.admit(request);
    }

    private CompletableFuture<Void> validate(AdmissionRequest request) {
        return request == null ? AdmissionChain.DONE : admission.validate(request);
    }

    private CompletableFuture<ObjectNode> createWithRetries(String namespace, ObjectNode obj, Options.Write opts,
                                                            boolean generated, int attempt) {
        String name = Json.str(Json.meta(obj), "name");
        String key = type.key(namespace, name);
        // Allocation writes what it chose into the object (a Service's clusterIP, nodePorts): a retry after a lost
        // race must choose again from the object as the client sent it, not take the lost choice as requested.
        ObjectNode asSent = obj.deepCopy();
        return strategy.allocateForCreate(obj, opts.dryRun()).thenCompose(alloc -> {
            if (opts.dryRun()) {
                return etcd.get(key).thenApply(existing -> {
                    if (existing.isPresent()) {
                        throw ApiException.alreadyExists(type.group(), type.plural(), name);
                    }
                    return obj;
                });
            }
            List<EtcdStorage.Condition> conds = new ArrayList<>(alloc.conditions());
            conds.add(EtcdStorage.Condition.absent(key));
            List<EtcdStorage.Write> writes = new ArrayList<>(alloc.writes());
            writes.add(EtcdStorage.Write.put(key, Json.bytes(obj)));
            return etcd.txn(conds, writes).thenCompose(result -> {
                if (result.succeeded()) {
                    Json.meta(obj).put("resourceVersion", Long.toString(result.revision()));
                    return CompletableFuture.completedFuture(obj);
                }
                return etcd.get(key).thenCompose(existing -> {
                    if (existing.isPresent()) {
                        if (generated && attempt < MAX_RETRIES) {
                            Json.meta(obj).put("name", generateName(Json.str(Json.meta(obj), "generateName")));
                            return createWithRetries(namespace, obj, opts, true, attempt + 1);
                        }
                        throw ApiException.alreadyExists(type.group(), type.plural(), name);
                    }
                    if (attempt >= MAX_RETRIES) {
                        throw ApiException.internal("could not allocate for " + name + " after " + attempt + " attempts");
                    }
                    // an allocation raced with another writer: choose again
                    return createWithRetries(namespace, asSent, opts, generated, attempt + 1);
                });
            });
        });
    }

    static String generateName(String base) {
        String prefix = base.length() > 58 ? base.substring(0, 58) : base;
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 5; i++) {
            sb.append(NAME_CHARS.charAt(RANDOM.nextInt(NAME_CHARS.length())));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- update

    /**
     * PUT: replaces the object (or its status), with optimistic concurrency when the body carries a
     * resourceVersion.
     */
    public CompletableFuture<ObjectNode> update(String namespace, String name, ObjectNode obj, Options.Write opts,
                                                String subresource) {
        ObjectNode meta = Json.meta(obj);
        String bodyName = Json.str(meta, "name");
        if (bodyName != null && !bodyName.isEmpty() && !bodyName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + bodyName
                    + ") does not match the name on the URL (" + name + ")");
        }
        String rv = Json.str(meta, "resourceVersion");
        long expected = rv == null || rv.isEmpty() ? 0 : parseRevision(rv);
        return guaranteedUpdate(namespace, name, current -> obj.deepCopy(), opts, subresource, expected);
    }

    /**
     * Reads the current object, applies {@code mutate} and writes the result if nothing changed in between,
     * retrying on a lost race unless {@code expectedRevision} pins the version the caller saw.
     */
    public CompletableFuture<ObjectNode> guaranteedUpdate(String namespace, String name,
                                                          Function<ObjectNode, ObjectNode> mutate,
                                                          Options.Write opts, String subresource,
                                                          long expectedRevision) {
        return attemptUpdate(namespace, name, mutate, opts, subresource, expectedRevision, 0);
    }

    private CompletableFuture<ObjectNode> attemptUpdate(String namespace, String name,
                                                        Function<ObjectNode, ObjectNode> mutate, Options.Write opts,
                                                        String subresource, long expectedRevision, int attempt) {
        String key = type.key(namespace, name);
        // The first try works on the watch cache's copy, as Kubernetes' GuaranteedUpdate does with the cacher's
        // object: it saves an etcd read per update. Whatever a stale copy could get wrong (a failed transaction, an
        // error, a no-op, a removal) is decided again on the object read from etcd.
        ObjectNode cached = attempt == 0 && !opts.dryRun() ? cache.get(key) : null;
        if (cached != null) {
            long revision = Long.parseLong(Json.str(Json.meta(cached), "resourceVersion"));
            CompletableFuture<ObjectNode> speculative;
            try {
                speculative = tryUpdate(key, namespace, name, cached, revision, mutate, opts, subresource,
                        expectedRevision, true);
            } catch (RuntimeException e) {
                speculative = CompletableFuture.completedFuture(null);
            }
            return speculative.exceptionally(e -> null).thenCompose(done -> done != null
                    ? CompletableFuture.completedFuture(done)
                    : attemptUpdate(namespace, name, mutate, opts, subresource, expectedRevision, attempt + 1));
        }
        return etcd.get(key).thenCompose(found -> {
            EtcdStorage.KeyValue kv = found.orElseThrow(() -> ApiException.notFound(type.group(), type.plural(), name));
            return tryUpdate(key, namespace, name, decode(kv), kv.modRevision(), mutate, opts, subresource,
                    expectedRevision, false).thenCompose(done -> {
                        if (done != null) {
                            return CompletableFuture.completedFuture(done);
                        }
                        if (expectedRevision > 0 || attempt >= MAX_RETRIES) {
                            throw ApiException.staleObject(type.group(), type.plural(), name);
                        }
                        return attemptUpdate(namespace, name, mutate, opts, subresource, expectedRevision, attempt + 1);
                    });
        });
    }

    /**
     * One update attempt on {@code old} (stored at {@code modRevision}); completes with the result, or with null
     * when the transaction lost a race or, for a {@code speculative} (cached) {@code old}, when only the current
     * object can decide.
     */
    private CompletableFuture<ObjectNode> tryUpdate(String key, String namespace, String name, ObjectNode old,
                                                    long modRevision, Function<ObjectNode, ObjectNode> mutate,
                                                    Options.Write opts, String subresource, long expectedRevision,
                                                    boolean speculative) {
        if (expectedRevision > 0 && expectedRevision != modRevision) {
            if (speculative) {
                return CompletableFuture.completedFuture(null);
            }
            throw ApiException.staleObject(type.group(), type.plural(), name);
        }
        ObjectNode candidate = mutate.apply(old.deepCopy());
        AdmissionRequest request = admission(Operation.UPDATE, namespace, name, subresource, candidate, old,
                opts.context(), opts.dryRun());
        return admit(request).thenCompose(v -> {
            ObjectNode updated = prepareUpdate(namespace, name, candidate, old, opts, subresource);
            boolean noChange = sameIgnoringVersion(updated, old);
            boolean removal = !noChange && isBeingDeleted(updated) && strategy.readyForRemoval(updated);
            if (speculative && (noChange || removal)) {
                return CompletableFuture.completedFuture(null);
            }
            if (noChange) {
                return CompletableFuture.completedFuture(old);
            }
            AdmissionRequest validation = request == null || updated == candidate ? request
                    : admission(Operation.UPDATE, namespace, name, subresource, updated, old, opts.context(),
                    opts.dryRun());
            return validate(validation).thenCompose(x -> write(key, updated, old, modRevision, opts, removal));
        });
    }

    private CompletableFuture<ObjectNode> write(String key, ObjectNode updated, ObjectNode old, long modRevision,
                                                Options.Write opts, boolean removal) {
        if (removal) {
            return removeNow(key, old, modRevision, opts.dryRun()).thenApply(v -> updated);
        }
        return strategy.allocateForUpdate(updated, old, opts.dryRun()).thenCompose(alloc -> {
            if (opts.dryRun()) {
                return CompletableFuture.completedFuture(updated);
            }
            ObjectNode toStore = updated.deepCopy();
            Json.meta(toStore).remove("resourceVersion");
            List<EtcdStorage.Condition> conds = new ArrayList<>(alloc.conditions());
            conds.add(EtcdStorage.Condition.modRevisionIs(key, modRevision));
            List<EtcdStorage.Write> writes = new ArrayList<>(alloc.writes());
            writes.add(EtcdStorage.Write.put(key, Json.bytes(toStore)));
            return etcd.txn(conds, writes).thenApply(result -> {
                if (!result.succeeded()) {
                    return null;
                }
                Json.meta(updated).put("resourceVersion", Long.toString(result.revision()));
                return updated;
            });
        });
    }

    private ObjectNode prepareUpdate(String namespace, String name, ObjectNode obj, ObjectNode old,
                                     Options.Write opts, String subresource) {
        ObjectNode meta = Json.meta(obj);
        ObjectNode oldMeta = Json.meta(old);
        obj.put("apiVersion", type.apiVersion());
        obj.put("kind", type.kind());
        String bodyNs = Json.str(meta, "namespace");
        if (type.namespaced() && bodyNs != null && !bodyNs.isEmpty() && !bodyNs.equals(namespace)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace "
                    + "sent on the request");
        }
        ObjectNode result;
        if ("binding".equals(subresource) || "finalize".equals(subresource)) {
            // the subresource handler built the whole object from the stored one
            return obj;
        }
        if ("status".equals(subresource)) {
            result = strategy.prepareForStatusUpdate(obj, old);
        } else if ("approval".equals(subresource)) {
            result = strategy.prepareForApprovalUpdate(obj, old);
        } else {
            for (String f : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                    "deletionGracePeriodSeconds", "generation")) {
                copyField(oldMeta, meta, f);
            }
            if (isBeingDeleted(old)) {
                // finalizers may only be removed once deletion started; new ones are refused as Kubernetes does
                JsonNode oldFin = oldMeta.path("finalizers");
                JsonNode newFin = meta.path("finalizers");
                if (newFin.isArray()) {
                    for (JsonNode f : newFin) {
                        if (!contains(oldFin, f.asText())) {
                            throw ApiException.invalid(type.group(), type.kind(), name, List.of(new FieldError(
                                    "FieldValueForbidden", "metadata.finalizers",
                                    "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\""
                                            + f.asText() + "\"}")));
                        }
                    }
                }
            }
            strategy.defaults(obj);
            strategy.prepareForUpdate(obj, old, opts.context());
            result = obj;
        }
        List<FieldError> errors = strategy.validateUpdate(result, old, subresource);
        if (!errors.isEmpty()) {
            throw ApiException.invalid(type.group(), type.kind(), name, errors);
        }
        if (managedFields != null && opts.fieldManager() != null) {
            managedFields.record(old, result, opts.fieldManager(), "Update", subresource);
        }
        return result;
    }

    private static boolean contains(JsonNode array, String value) {
        if (array.isArray()) {
            for (JsonNode n : array) {
                if (n.asText().equals(value)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void copyField(ObjectNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v == null) {
            to.remove(field);
        } else {
            to.set(field, v.deepCopy());
        }
    }

    private static boolean sameIgnoringVersion(ObjectNode a, ObjectNode b) {
        ObjectNode x = a.deepCopy();
        ObjectNode y = b.deepCopy();
        Json.meta(x).remove("resourceVersion");
        Json.meta(y).remove("resourceVersion");
        stripManagedFieldTimes(x);
        stripManagedFieldTimes(y);
        return x.equals(y);
    }

    private static void stripManagedFieldTimes(ObjectNode obj) {
        JsonNode mf = obj.path("metadata").path("managedFields");
        if (mf instanceof ArrayNode arr) {
            for (JsonNode e : arr) {
                if (e instanceof ObjectNode o) {
                    o.remove("time");
                }
            }
        }
    }

    static boolean isBeingDeleted(JsonNode obj) {
        JsonNode ts = obj.path("metadata").get("deletionTimestamp");
        return ts != null && !ts.isNull();
    }

    // ---------------------------------------------------------------- delete

    /** The outcome of a delete: the object as last seen and whether it is gone from storage. */
    public record DeleteResult(ObjectNode object, boolean removed) {}

    public CompletableFuture<DeleteResult> delete(String namespace, String name, Options.Delete opts) {
        return attemptDelete(namespace, name, opts, 0);
    }

    private CompletableFuture<DeleteResult> attemptDelete(String namespace, String name, Options.Delete opts,
                                                          int attempt) {
        String key = type.key(namespace, name);
        return etcd.get(key).thenCompose(found -> {
            EtcdStorage.KeyValue kv = found.orElseThrow(() -> ApiException.notFound(type.group(), type.plural(), name));
            ObjectNode current = decode(kv);
            ObjectNode meta = Json.meta(current);
            if (opts.preconditionUid() != null && !opts.preconditionUid().equals(Json.str(meta, "uid"))) {
                throw ApiException.conflict(type.group(), type.plural(), name, "Precondition failed: UID in precondition: "
                        + opts.preconditionUid() + ", UID in object meta: " + Json.str(meta, "uid"));
            }
            if (opts.preconditionResourceVersion() != null
                    && !opts.preconditionResourceVersion().equals(Json.str(meta, "resourceVersion"))) {
                throw ApiException.conflict(type.group(), type.plural(), name,
                        "Precondition failed: ResourceVersion in precondition: " + opts.preconditionResourceVersion()
                                + ", ResourceVersion in object meta: " + Json.str(meta, "resourceVersion"));
            }
            AdmissionRequest request = admission(Operation.DELETE, namespace, name, null, null, current,
                    opts.context(), opts.dryRun());
            if (request == null) {
                return deleteAdmitted(key, namespace, name, opts, attempt, kv, current);
            }
            return admit(request).thenCompose(v -> validate(request))
                    .thenCompose(v -> deleteAdmitted(key, namespace, name, opts, attempt, kv, current));
        });
    }

    private CompletableFuture<DeleteResult> deleteAdmitted(String key, String namespace, String name,
                                                           Options.Delete opts, int attempt, EtcdStorage.KeyValue kv,
                                                           ObjectNode current) {
        ObjectNode meta = Json.meta(current);
        ObjectNode updated = current.deepCopy();
        ObjectNode umeta = Json.meta(updated);
        strategy.prepareForDelete(updated);
        addPropagationFinalizer(umeta, opts.propagationPolicy());
        long grace = opts.gracePeriodSeconds() != null ? Math.max(0, opts.gracePeriodSeconds())
                : strategy.defaultGracePeriodSeconds(current);
        boolean alreadyDeleting = isBeingDeleted(current);
        if (alreadyDeleting) {
            long currentGrace = meta.path("deletionGracePeriodSeconds").asLong(0);
            if (grace < currentGrace) {
                umeta.put("deletionGracePeriodSeconds", grace);
                umeta.put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
            }
        } else {
            umeta.put("deletionTimestamp", Instant.now().plusSeconds(grace).truncatedTo(ChronoUnit.SECONDS).toString());
            umeta.put("deletionGracePeriodSeconds", grace);
            if (updated.has("spec") && umeta.has("generation")) {
                umeta.put("generation", umeta.path("generation").asLong() + 1);
            }
        }
        if (strategy.readyForRemoval(updated)) {
            return removeNow(key, current, kv.modRevision(), opts.dryRun()).thenCompose(ok -> {
                if (!ok) {
                    return retryDelete(namespace, name, opts, attempt);
                }
                return CompletableFuture.completedFuture(new DeleteResult(current, true));
            });
        }
        if (opts.dryRun() || (alreadyDeleting && sameIgnoringVersion(updated, current))) {
            return CompletableFuture.completedFuture(new DeleteResult(updated, false));
        }
        ObjectNode toStore = updated.deepCopy();
        Json.meta(toStore).remove("resourceVersion");
        return etcd.txn(List.of(EtcdStorage.Condition.modRevisionIs(key, kv.modRevision())),
                List.of(EtcdStorage.Write.put(key, Json.bytes(toStore)))).thenCompose(result -> {
                    if (!result.succeeded()) {
                        return retryDelete(namespace, name, opts, attempt);
                    }
                    umeta.put("resourceVersion", Long.toString(result.revision()));
                    return CompletableFuture.completedFuture(new DeleteResult(updated, false));
                });
    }

    private CompletableFuture<DeleteResult> retryDelete(String namespace, String name, Options.Delete opts, int attempt) {
        if (attempt >= MAX_RETRIES) {
            throw ApiException.staleObject(type.group(), type.plural(), name);
        }
        return attemptDelete(namespace, name, opts, attempt + 1);
    }

    private static void addPropagationFinalizer(ObjectNode meta, String policy) {
        String finalizer = "Foreground".equals(policy) ? "foregroundDeletion" : "Orphan".equals(policy) ? "orphan" : null;
        if (policy != null && !List.of("Foreground", "Background", "Orphan").contains(policy)) {
            throw ApiException.badRequest("propagationPolicy: Unsupported value: \"" + policy
                    + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        }
        if (finalizer == null) {
            return;
        }
        ArrayNode fins = meta.has("finalizers") && meta.get("finalizers").isArray()
                ? (ArrayNode) meta.get("finalizers") : meta.putArray("finalizers");
        if (!contains(fins, finalizer)) {
            fins.add(finalizer);
        }
    }

    private CompletableFuture<Boolean> removeNow(String key, ObjectNode current, long modRevision, boolean dryRun) {
        if (dryRun) {
            return CompletableFuture.completedFuture(true);
        }
        Strategy.Allocation release = strategy.releaseOnDelete(current);
        List<EtcdStorage.Write> writes = new ArrayList<>(release.writes());
        writes.add(EtcdStorage.Write.delete(key));
        return etcd.txn(List.of(EtcdStorage.Condition.modRevisionIs(key, modRevision)), writes)
                .thenApply(EtcdStorage.TxnResult::succeeded);
    }

    /** Deletes every object of a list (DELETE on a collection). */
    public CompletableFuture<List<ObjectNode>> deleteCollection(String namespace, Options.List listOpts,
                                                                Options.Delete opts) {
        return list(namespace, listOpts).thenCompose(page -> {
            List<CompletableFuture<Optional<ObjectNode>>> all = new ArrayList<>();
            for (ObjectNode o : page.items()) {
                String ns = Json.str(Json.meta(o), "namespace");
                all.add(delete(ns, Json.str(Json.meta(o), "name"), opts).handle((r, e) ->
                        e == null ? Optional.of(r.object()) : Optional.empty()));
            }
            return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
                List<ObjectNode> out = new ArrayList<>();
                all.forEach(f -> f.join().ifPresent(out::add));
                return out;
            });
        });
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
