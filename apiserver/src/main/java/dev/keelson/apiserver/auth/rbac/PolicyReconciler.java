package dev.keelson.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.Options;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles the bootstrap policy at every apiserver start, with the semantics of Kubernetes' auth reconcile (and of
 * kube-apiserver's own bootstrap): a missing object is created; an existing one gets the expected labels and
 * annotations it lacks, the rules (broken down) or aggregation selectors it does not cover, and the subjects it lacks;
 * nothing a user added is removed. A binding whose roleRef differs is deleted and created again. An object annotated
 * {@code rbac.authorization.kubernetes.io/autoupdate: "false"} is left untouched.
 */
public final class PolicyReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyReconciler.class);

    /** The stores of the four RBAC kinds. */
    public record Stores(GenericStore roles, GenericStore clusterRoles, GenericStore roleBindings,
                         GenericStore clusterRoleBindings) {
    }

    private PolicyReconciler() {
    }

    /** Reconciles {@code policy}; blocks (called before the apiserver serves). Returns how many objects it wrote. */
    public static int reconcile(BootstrapPolicy.Objects policy, Stores stores) throws Exception {
        int written = 0;
        for (ObjectNode r : policy.clusterRoles()) {
            written += reconcileRole(stores.clusterRoles(), r);
        }
        for (ObjectNode b : policy.clusterRoleBindings()) {
            written += reconcileBinding(stores.clusterRoleBindings(), b);
        }
        for (ObjectNode r : policy.roles()) {
            written += reconcileRole(stores.roles(), r);
        }
        for (ObjectNode b : policy.roleBindings()) {
            written += reconcileBinding(stores.roleBindings(), b);
        }
        if (written > 0) {
            LOG.info("RBAC bootstrap policy: {} objects created or updated", written);
        }
        return written;
    }

    private static String ns(ObjectNode o) {
        String ns = Json.str(Json.meta(o), "namespace");
        return ns == null || ns.isEmpty() ? null : ns;
    }

    private static ObjectNode getOrNull(GenericStore store, ObjectNode expected) throws Exception {
        try {
            return store.get(ns(expected), Json.str(Json.meta(expected), "name")).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException ae && ae.code() == 404) {
                return null;
            }
            throw e;
        }
    }

    private static boolean isProtected(ObjectNode existing) {
        return "false".equals(existing.path("metadata").path("annotations").path(BootstrapPolicy.AUTOUPDATE)
                .asText(null));
    }

    static int reconcileRole(GenericStore store, ObjectNode expected) throws Exception {
        ObjectNode existing = getOrNull(store, expected);
        if (existing == null) {
            create(store, expected);
            return 1;
        }
        if (isProtected(existing)) {
            return 0;
        }
        ObjectNode merged = reconciledRole(existing, expected);
        if (merged == null) {
            return 0;
        }
        store.update(ns(expected), Json.str(Json.meta(expected), "name"), merged, Options.Write.DEFAULT, null)
                .get(30, TimeUnit.SECONDS);
        return 1;
    }

    /** computeReconciledRole without removal: the existing role with what it lacks added, or null if it lacks none. */
    public static ObjectNode reconciledRole(ObjectNode existing, ObjectNode expected) {
        ObjectNode out = existing.deepCopy();
        boolean changed = mergeMeta(out, expected);
        List<PolicyRule> have = PolicyRule.ofRole(existing);
        List<PolicyRule> missing = Escalation.missing(have, PolicyRule.ofRole(expected));
        if (!missing.isEmpty()) {
            ArrayNode rules = out.withArray("rules");
            missing.forEach(r -> rules.add(r.toJson()));
            changed = true;
        }
        JsonNode wantAgg = expected.get("aggregationRule");
        if (wantAgg != null) {
            ObjectNode agg = out.has("aggregationRule") && out.get("aggregationRule").isObject()
                    ? (ObjectNode) out.get("aggregationRule") : out.putObject("aggregationRule");
            ArrayNode selectors = agg.withArray("clusterRoleSelectors");
            for (JsonNode s : wantAgg.path("clusterRoleSelectors")) {
                if (!contains(selectors, s)) {
                    selectors.add(s.deepCopy());
                    changed = true;
                }
            }
        } else if (existing.hasNonNull("aggregationRule")) {
            out.remove("aggregationRule");
            changed = true;
        }
        return changed ? out : null;
    }

    static int reconcileBinding(GenericStore store, ObjectNode expected) throws Exception {
        ObjectNode existing = getOrNull(store, expected);
        String name = Json.str(Json.meta(expected), "name");
        if (existing == null) {
            create(store, expected);
            return 1;
        }
        if (isProtected(existing)) {
            return 0;
        }
        if (!existing.path("roleRef").equals(expected.path("roleRef"))) {
            ObjectNode recreated = expected.deepCopy();
            ArrayNode subjects = recreated.withArray("subjects");
            for (JsonNode s : existing.path("subjects")) {
                if (!contains(subjects, s)) {
                    subjects.add(s.deepCopy());
                }
            }
            store.delete(ns(expected), name, Options.Delete.DEFAULT).get(30, TimeUnit.SECONDS);
            create(store, recreated);
            return 1;
        }
        ObjectNode out = existing.deepCopy();
        boolean changed = mergeMeta(out, expected);
        ArrayNode subjects = out.withArray("subjects");
        for (JsonNode s : expected.path("subjects")) {
            if (!contains(subjects, s)) {
                subjects.add(s.deepCopy());
                changed = true;
            }
        }
        if (!changed) {
            return 0;
        }
        store.update(ns(expected), name, out, Options.Write.DEFAULT, null).get(30, TimeUnit.SECONDS);
        return 1;
    }

    private static void create(GenericStore store, ObjectNode obj) throws Exception {
        try {
            store.create(ns(obj), obj.deepCopy(), Options.Write.DEFAULT).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // another apiserver created it meanwhile: the next start reconciles it
            if (!(e.getCause() instanceof ApiException ae && ae.code() == 409)) {
                throw e;
            }
        }
    }

    /** Adds the expected labels and annotations the object lacks (the object's own values win). */
    private static boolean mergeMeta(ObjectNode out, ObjectNode expected) {
        boolean changed = false;
        ObjectNode meta = Json.meta(out);
        for (String field : List.of("labels", "annotations")) {
            JsonNode want = expected.path("metadata").path(field);
            if (!want.isObject() || want.isEmpty()) {
                continue;
            }
            ObjectNode have = meta.get(field) instanceof ObjectNode o ? o : meta.putObject(field);
            List<String> keys = new ArrayList<>();
            want.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                if (!have.has(k)) {
                    have.set(k, want.get(k).deepCopy());
                    changed = true;
                }
            }
        }
        return changed;
    }

    private static boolean contains(ArrayNode array, JsonNode value) {
        for (JsonNode n : array) {
            if (n.equals(value)) {
                return true;
            }
        }
        return false;
    }
}
