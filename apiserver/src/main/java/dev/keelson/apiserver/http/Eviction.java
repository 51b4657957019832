package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import dev.keelson.componentbase.api.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The pods/eviction subresource as kube-apiserver's EvictionREST: a pod that is terminal, pending or already being
 * deleted is deleted at once; otherwise the one PodDisruptionBudget selecting it must allow a disruption, which is
 * spent (disruptionsAllowed - 1, the pod recorded in disruptedPods) with an update of the budget's status conditioned
 * on the revision it was read at, before the pod gets its DisruptionTarget condition and is deleted. A budget that
 * allows none answers 429 with the DisruptionBudget cause; more than one budget answers 500, as Kubernetes does.
 */
final class Eviction {
    /** policyv1.DisruptionBudgetCause. */
    static final String CAUSE = "DisruptionBudget";
    static final String MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
    /** MaxDisruptedPodSize: past this many unconfirmed evictions a budget refuses more. */
    private static final int MAX_DISRUPTED_PODS = 2000;

    private final GenericStore pods;
    private final GenericStore budgets;

    Eviction(GenericStore pods, GenericStore budgets) {
        this.pods = pods;
        this.budgets = budgets;
    }

    /** Evicts {@code name} with the given delete options (already admitted). */
    CompletableFuture<ObjectNode> evict(String namespace, String name, Options.Delete delete) {
        return pods.get(namespace, name).thenCompose(pod -> {
            if (canIgnoreBudget(pod)) {
                Options.Delete opts = delete;
                if (delete.preconditionResourceVersion() == null && !isBeingDeleted(pod)) {
                    opts = withResourceVersion(delete, Json.str(Json.meta(pod), "resourceVersion"));
                }
                return deleteWithCondition(namespace, name, opts);
            }
            if (budgets == null) {
                return deleteWithCondition(namespace, name, delete);
            }
            return budgets.list(namespace, Options.List.ALL).thenCompose(list -> {
                List<ObjectNode> matching = matching(list.items(), pod);
                if (matching.size() > 1) {
                    throw new ApiException(500, "", "This pod has more than one PodDisruptionBudget, which the "
                            + "eviction subresource does not support.", null);
                }
                if (matching.isEmpty()) {
                    return deleteWithCondition(namespace, name, delete);
                }
                ObjectNode pdb = matching.get(0);
                String pdbName = Json.str(Json.meta(pdb), "name");
                String policy = pdb.path("spec").path("unhealthyPodEvictionPolicy").asText("IfHealthyBudget");
                boolean ready = isReady(pod);
                JsonNode status = pdb.path("status");
                boolean unhealthyMayGo = !ready && ("AlwaysAllow".equals(policy)
                        || (status.path("currentHealthy").asInt(0) >= status.path("desiredHealthy").asInt(0)
                        && status.path("desiredHealthy").asInt(0) > 0));
                if (unhealthyMayGo) {
                    return deletePinned(namespace, name, delete, pod, pdbName);
                }
                return spend(namespace, pdbName, name, delete.dryRun())
                        .thenCompose(v -> deleteWithCondition(namespace, name, delete));
            });
        });
    }

    /** A pod the budget need not protect: Succeeded, Failed, Pending, or already being deleted. */
    private static boolean canIgnoreBudget(ObjectNode pod) {
        String phase = pod.path("status").path("phase").asText("");
        return phase.equals("Succeeded") || phase.equals("Failed") || phase.equals("Pending") || isBeingDeleted(pod);
    }

    private static boolean isBeingDeleted(JsonNode pod) {
        JsonNode ts = pod.path("metadata").get("deletionTimestamp");
        return ts != null && !ts.isNull();
    }

    static boolean isReady(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    /** getPodDisruptionBudgets: a budget with a nil or empty selector matches nothing here. */
    private static List<ObjectNode> matching(List<ObjectNode> all, ObjectNode pod) {
        Map<String, String> labels = new java.util.HashMap<>();
        pod.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode pdb : all) {
            LabelSelector selector = LabelSelector.of(pdb.path("spec").get("selector"));
            if (!selector.isEmpty() && !selector.isNothing() && selector.matches(labels)) {
                out.add(pdb);
            }
        }
        return out;
    }

    /**
     * checkAndDecrement on the budget's current revision: refuses while the controller has not seen its generation
     * or when no disruption is left, else spends one and records the pod.
     */
    private CompletableFuture<ObjectNode> spend(String namespace, String pdbName, String podName, boolean dryRun) {
        return budgets.guaranteedUpdate(namespace, pdbName, pdb -> {
            ObjectNode status = pdb.with("status");
            long generation = pdb.path("metadata").path("generation").asLong(0);
            if (status.path("observedGeneration").asLong(0) < generation) {
                throw tooManyRequests("The disruption budget " + pdbName + " is still being processed by the server.");
            }
            int allowed = status.path("disruptionsAllowed").asInt(0);
            if (allowed < 0) {
                throw ApiException.forbidden("policy", "poddisruptionbudget", pdbName,
                        "pdb disruptions allowed is negative");
            }
            if (status.path("disruptedPods").size() > MAX_DISRUPTED_PODS) {
                throw ApiException.forbidden("policy", "poddisruptionbudget", pdbName,
                        "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
            }
            if (allowed == 0) {
                throw tooManyRequests("The disruption budget " + pdbName + " needs "
                        + status.path("desiredHealthy").asInt(0) + " healthy pods and has "
                        + status.path("currentHealthy").asInt(0) + " currently");
            }
            status.put("disruptionsAllowed", allowed - 1);
            if (allowed - 1 == 0) {
                setCondition(status, "DisruptionAllowed", "False", "InsufficientPods");
            }
            status.with("disruptedPods").put(podName, Json.now());
            return pdb;
        }, new Options.Write(dryRun, null), "status", 0);
    }

    static ApiException tooManyRequests(String causeMessage) {
        ObjectNode details = Json.MAPPER.createObjectNode();
        ObjectNode cause = details.putArray("causes").addObject();
        cause.put("reason", CAUSE);
        cause.put("message", causeMessage);
        return new ApiException(429, "TooManyRequests", MESSAGE, details);
    }

    /** meta.SetStatusCondition: the transition time changes only with the status. */
    private static void setCondition(ObjectNode status, String type, String value, String reason) {
        ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asText()) && c instanceof ObjectNode cond) {
                if (!value.equals(cond.path("status").asText())) {
                    cond.put("lastTransitionTime", Json.now());
                }
                cond.put("status", value);
                cond.put("reason", reason);
                return;
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", value);
        c.put("reason", reason);
        c.put("message", "");
        c.put("lastTransitionTime", Json.now());
    }

    /** An unready pod may go while the budget is met, but only if it has not become ready since it was read. */
    private CompletableFuture<ObjectNode> deletePinned(String namespace, String name, Options.Delete delete,
                                                       ObjectNode pod, String pdbName) {
        boolean clientPinned = delete.preconditionResourceVersion() != null;
        Options.Delete opts = clientPinned ? delete
                : withResourceVersion(delete, Json.str(Json.meta(pod), "resourceVersion"));
        return deleteWithCondition(namespace, name, opts).exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (!clientPinned && cause instanceof ApiException api && api.code() == 409) {
                return CompletableFuture.failedFuture(tooManyRequests("The disruption budget " + pdbName
                        + " is still being processed by the server."));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private static Options.Delete withResourceVersion(Options.Delete d, String rv) {
        return new Options.Delete(d.gracePeriodSeconds(), d.propagationPolicy(), d.preconditionUid(), rv, d.dryRun(),
                d.context());
    }

    /**
     * addConditionAndDeletePod: the pod gets DisruptionTarget=True (reason EvictionByEvictionAPI) on its latest version
     * (checked against the delete's preconditions), then is deleted; a resourceVersion precondition moves to the
     * version the condition write made, since this eviction made it. A dry run writes no condition.
     */
    private CompletableFuture<ObjectNode> deleteWithCondition(String namespace, String name, Options.Delete delete) {
        CompletableFuture<ObjectNode> marked = delete.dryRun() ? CompletableFuture.completedFuture(null)
                : pods.guaranteedUpdate(namespace, name, pod -> {
                    ObjectNode meta = Json.meta(pod);
                    if (delete.preconditionUid() != null && !delete.preconditionUid().equals(Json.str(meta, "uid"))) {
                        throw ApiException.conflict("", "pods", name, "Precondition failed: UID in precondition: "
                                + delete.preconditionUid() + ", UID in object meta: " + Json.str(meta, "uid"));
                    }
                    String rv = delete.preconditionResourceVersion();
                    if (rv != null && !rv.equals(Json.str(meta, "resourceVersion"))) {
                        throw ApiException.conflict("", "pods", name, "Precondition failed: ResourceVersion in "
                                + "precondition: " + rv + ", ResourceVersion in object meta: "
                                + Json.str(meta, "resourceVersion"));
                    }
                    if (!hasDisruptionTarget(pod)) {
                        ObjectNode status = pod.with("status");
                        ArrayNode conds = status.has("conditions") && status.get("conditions").isArray()
                                ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
                        for (int i = conds.size() - 1; i >= 0; i--) {
                            if ("DisruptionTarget".equals(conds.get(i).path("type").asText())) {
                                conds.remove(i);
                            }
                        }
                        ObjectNode c = conds.addObject();
                        c.put("type", "DisruptionTarget");
                        c.put("status", "True");
                        c.putNull("lastProbeTime");
                        c.put("lastTransitionTime", Json.now());
                        c.put("reason", "EvictionByEvictionAPI");
                        c.put("message", "Eviction API: evicting");
                    }
                    return pod;
                }, Options.Write.DEFAULT, "status", 0);
        return marked.thenCompose(updated -> {
            Options.Delete opts = delete;
            if (updated != null && delete.preconditionResourceVersion() != null) {
                opts = withResourceVersion(delete, Json.str(Json.meta(updated), "resourceVersion"));
            }
            return pods.delete(namespace, name, opts);
        }).thenApply(r -> Subresources.successStatus(201));
    }

    private static boolean hasDisruptionTarget(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("DisruptionTarget".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                return true;
            }
        }
        return false;
    }
}
