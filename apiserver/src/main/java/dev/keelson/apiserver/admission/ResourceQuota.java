package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.componentbase.quota.QuotaUsage;
import dev.keelson.componentbase.quota.QuotaUsage.Amount;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' ResourceQuota admission: a new object is checked against every ResourceQuota of its namespace that
 * limits what it uses ({@link QuotaUsage}: pods, cpu/memory requests and limits, object counts) and charged to the
 * quota's {@code status.used} in the same step, conditioned on the quota's revision so that concurrent creates cannot
 * both take the last unit (a lost race re-reads and checks again). The resourcequota controller recomputes
 * {@code status.used} from the objects, which gives back what deletes and refused writes no longer use. Refusals are
 * Kubernetes' 403s ({@code exceeded quota: NAME, requested: ..., used: ..., limited: ...}); a quota whose usage the
 * controller has not counted yet, or one that cannot be written, refuses the request rather than admitting it. As in
 * Kubernetes, a quota matches by its {@code status.hard}, so one the controller has not seen at all limits nothing
 * yet.
 */
final class ResourceQuota implements AdmissionPlugin {
    static final String NAME = "ResourceQuota";

    private final PluginContext context;

    ResourceQuota(PluginContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean validating() {
        return true;
    }

    @Override
    public CompletableFuture<Void> validate(AdmissionRequest r) {
        if (r.operation() != Operation.CREATE || !r.subresource().isEmpty() || !r.type().namespaced()) {
            return DONE;
        }
        ResourceType quotas = context.type("", "resourcequotas");
        GenericStore store = quotas == null ? null : context.stores().get(quotas);
        if (store == null) {
            return DONE;
        }
        List<ObjectNode> inNamespace = store.cache().snapshot(quotas.prefix(r.namespace())).objects();
        if (inNamespace.isEmpty()) {
            return DONE;
        }
        Map<String, Amount> usage = QuotaUsage.of(r.group(), r.resource(), r.object(), Instant.now());
        if (usage.isEmpty()) {
            return DONE;
        }
        List<CompletableFuture<Void>> charges = new ArrayList<>();
        for (ObjectNode quota : inNamespace) {
            Set<String> restricted = check(r, quota, usage);
            if (!restricted.isEmpty() && !r.dryRun()) {
                charges.add(charge(r, store, quota, usage, restricted));
            }
        }
        return CompletableFuture.allOf(charges.toArray(CompletableFuture[]::new));
    }

    /** The quota's resources this object uses; throws Kubernetes' 403 when it may not use them. */
    private static Set<String> check(AdmissionRequest r, ObjectNode quota, Map<String, Amount> usage) {
        String name = quota.path("metadata").path("name").asText();
        JsonNode hard = quota.path("status").path("hard");
        JsonNode used = quota.path("status").path("used");
        if (r.isResource("", "pods")) {
            constraints(r, name, hard);
        }
        Set<String> restricted = new TreeSet<>();
        hard.fieldNames().forEachRemaining(k -> {
            if (usage.containsKey(k)) {
                restricted.add(k);
            }
        });
        for (String k : restricted) {
            if (!used.has(k)) {
                throw r.forbidden("status unknown for quota: " + name + ", resources: " + String.join(",", restricted));
            }
        }
        List<String> exceeded = new ArrayList<>();
        for (String k : restricted) {
            Amount now = Amount.parse(used.get(k).asText()).plus(usage.get(k));
            if (now.value().compareTo(Amount.parse(hard.get(k).asText()).value()) > 0) {
                exceeded.add(k);
            }
        }
        if (!exceeded.isEmpty()) {
            throw r.forbidden("exceeded quota: " + name + ", requested: " + pretty(exceeded, k -> usage.get(k)
                    .toString()) + ", used: " + pretty(exceeded, k -> used.get(k).asText()) + ", limited: "
                    + pretty(exceeded, k -> hard.get(k).asText()));
        }
        return restricted;
    }

    /** Kubernetes' pod evaluator Constraints: a quota on cpu or memory makes every container state it. */
    private static void constraints(AdmissionRequest r, String quota, JsonNode hard) {
        Set<String> required = new TreeSet<>();
        hard.fieldNames().forEachRemaining(k -> {
            if (QuotaUsage.CONTAINER_CONSTRAINTS.contains(k)) {
                required.add(k);
            }
        });
        if (required.isEmpty()) {
            return;
        }
        Map<String, Set<String>> missing = new TreeMap<>();
        for (String list : new String[] {"containers", "initContainers"}) {
            for (JsonNode c : r.object().path("spec").path(list)) {
                Set<String> states = QuotaUsage.containerStates(c);
                for (String k : required) {
                    if (!states.contains(k)) {
                        missing.computeIfAbsent(k, x -> new TreeSet<>()).add(c.path("name").asText());
                    }
                }
            }
        }
        if (!missing.isEmpty()) {
            List<String> parts = new ArrayList<>();
            missing.forEach((k, names) -> parts.add(k + " for: " + String.join(",", names)));
            throw r.forbidden("failed quota: " + quota + ": must specify " + String.join("; ", parts));
        }
    }

    private static String pretty(List<String> keys, java.util.function.Function<String, String> value) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            parts.add(k + "=" + value.apply(k));
        }
        return String.join(",", parts);
    }

    /** Adds the usage to the quota's status.used, checking again on the stored quota (a stale cache is re-read). */
    private static CompletableFuture<Void> charge(AdmissionRequest r, GenericStore store, ObjectNode quota,
                                                  Map<String, Amount> usage, Set<String> restricted) {
        String name = quota.path("metadata").path("name").asText();
        return store.guaranteedUpdate(r.namespace(), name, current -> {
            Set<String> now = check(r, current, usage);
            ObjectNode used = current.with("status").with("used");
            for (String k : now) {
                used.put(k, Amount.parse(used.get(k).asText()).plus(usage.get(k)).toString());
            }
            return current;
        }, Options.Write.DEFAULT, "status", 0).handle((v, err) -> {
            if (err != null) {
                Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
                        ? err.getCause() : err;
                if (cause instanceof ApiException ae && ae.code() == 403) {
                    throw ae;
                }
                if (cause instanceof ApiException ae && ae.code() == 404) {
                    // the quota was deleted meanwhile: nothing limits the object any more
                    return null;
                }
                throw new ApiException(500, "InternalError", "Internal error occurred: resource quota evaluation "
                        + "failed: could not update quota " + name + ": " + cause.getMessage(), null);
            }
            return null;
        });
    }
}
