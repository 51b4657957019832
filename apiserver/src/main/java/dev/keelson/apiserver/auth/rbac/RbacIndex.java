package dev.keelson.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.storage.WatchCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RBAC objects the authorizer evaluates, kept from the apiserver's watch caches (as kube-apiserver's RBAC
 * authorizer reads informer listers) and indexed by subject: a request looks up the bindings of its user name and of
 * each of its groups, so its cost depends on what the caller is bound to, not on how many bindings exist. Rules are
 * parsed once per object change. Service-account subjects are indexed under the user name
 * {@code system:serviceaccount:NS:NAME}, the namespace defaulting to a RoleBinding's own.
 */
public final class RbacIndex implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RbacIndex.class);
    static final String USER = "U:";
    static final String GROUP = "G:";

    /** A binding as the index keeps it. */
    public record Binding(String namespace, String name, String roleKind, String roleName, List<String> subjectKeys) {
    }

    /** Receives each rule that applies to a user, or an error for a binding whose role does not exist. */
    public interface RuleVisitor {
        /** Returns false to stop the walk. */
        boolean visit(PolicyRule rule, String error);
    }

    private final Map<String, List<PolicyRule>> roles = new ConcurrentHashMap<>();
    private final Map<String, List<PolicyRule>> clusterRoles = new ConcurrentHashMap<>();
    private final Map<String, Binding> clusterBindings = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> clusterBindingsBySubject = new ConcurrentHashMap<>();
    private final Map<String, Binding> roleBindings = new ConcurrentHashMap<>();
    /** namespace + "/" + subject key -> binding keys (namespace/name). */
    private final Map<String, Set<String>> roleBindingsBySubject = new ConcurrentHashMap<>();
    private final List<WatchCache.Registration> registrations = new ArrayList<>();
    private volatile boolean closed;

    /** An empty index; {@link #follow} fills it from the caches. */
    public RbacIndex() {
    }

    /** Follows the four RBAC watch caches: their current objects now, then every change. */
    public void follow(WatchCache roles, WatchCache clusterRoles, WatchCache roleBindings,
                       WatchCache clusterRoleBindings) {
        subscribe(roles, this::putRole, this::removeRole, this.roles::clear);
        subscribe(clusterRoles, this::putClusterRole, this::removeClusterRole, this.clusterRoles::clear);
        subscribe(roleBindings, o -> putBinding(o, true), o -> removeBinding(o, true), () -> {
            this.roleBindings.clear();
            roleBindingsBySubject.clear();
        });
        subscribe(clusterRoleBindings, o -> putBinding(o, false), o -> removeBinding(o, false), () -> {
            clusterBindings.clear();
            clusterBindingsBySubject.clear();
        });
    }

    /**
     * Loads a cache's objects and follows its events. An update replaces in place (a binding's new subjects are
     * indexed before its old ones go), so a request never sees a binding missing while it changes.
     */
    private void subscribe(WatchCache cache, Consumer<ObjectNode> put, Consumer<ObjectNode> remove, Runnable clear) {
        WatchCache.SnapshotWatch sw = cache.snapshotAndWatch(null, new WatchCache.Sink() {
            @Override
            public void onEvent(WatchCache.Event event) {
                if (event.type() == WatchCache.EventType.DELETED) {
                    remove.accept(event.oldObject() != null ? event.oldObject() : event.object());
                } else {
                    put.accept(event.object());
                }
            }

            @Override
            public void onTerminated(String reason) {
                if (!closed) {
                    LOG.info("RBAC index reloads a watch cache: {}", reason);
                    // the cache re-listed: what was deleted meanwhile must go, so start again from its snapshot
                    clear.run();
                    subscribe(cache, put, remove, clear);
                }
            }
        });
        synchronized (registrations) {
            registrations.add(sw.registration());
        }
        sw.snapshot().objects().forEach(put);
    }

    private static String meta(JsonNode o, String field) {
        return o.path("metadata").path(field).asText("");
    }

    void putRole(ObjectNode o) {
        roles.put(meta(o, "namespace") + "/" + meta(o, "name"), PolicyRule.ofRole(o));
    }

    void removeRole(ObjectNode o) {
        roles.remove(meta(o, "namespace") + "/" + meta(o, "name"));
    }

    void putClusterRole(ObjectNode o) {
        clusterRoles.put(meta(o, "name"), PolicyRule.ofRole(o));
    }

    void removeClusterRole(ObjectNode o) {
        clusterRoles.remove(meta(o, "name"));
    }

    /** The subject keys of a binding; a service account without a namespace matches nothing in a cluster binding. */
    static List<String> subjectKeys(JsonNode binding, String namespace) {
        List<String> keys = new ArrayList<>();
        for (JsonNode s : binding.path("subjects")) {
            String name = s.path("name").asText("");
            switch (s.path("kind").asText("")) {
                case "User" -> keys.add(USER + name);
                case "Group" -> keys.add(GROUP + name);
                case "ServiceAccount" -> {
                    String ns = s.path("namespace").asText("");
                    if (ns.isEmpty()) {
                        ns = namespace;
                    }
                    if (!ns.isEmpty()) {
                        keys.add(USER + "system:serviceaccount:" + ns + ":" + name);
                    }
                }
                default -> { }
            }
        }
        return keys;
    }

    void putBinding(ObjectNode o, boolean namespaced) {
        String ns = namespaced ? meta(o, "namespace") : "";
        JsonNode ref = o.path("roleRef");
        Binding b = new Binding(ns, meta(o, "name"), ref.path("kind").asText(""), ref.path("name").asText(""),
                List.copyOf(subjectKeys(o, ns)));
        if (namespaced) {
            String key = ns + "/" + b.name();
            for (String s : b.subjectKeys()) {
                roleBindingsBySubject.computeIfAbsent(ns + "/" + s, k -> ConcurrentHashMap.newKeySet()).add(key);
            }
            Binding prev = roleBindings.put(key, b);
            if (prev != null) {
                for (String s : prev.subjectKeys()) {
                    if (!b.subjectKeys().contains(s)) {
                        unindex(roleBindingsBySubject, ns + "/" + s, key);
                    }
                }
            }
        } else {
            for (String s : b.subjectKeys()) {
                clusterBindingsBySubject.computeIfAbsent(s, k -> ConcurrentHashMap.newKeySet()).add(b.name());
            }
            Binding prev = clusterBindings.put(b.name(), b);
            if (prev != null) {
                for (String s : prev.subjectKeys()) {
                    if (!b.subjectKeys().contains(s)) {
                        unindex(clusterBindingsBySubject, s, b.name());
                    }
                }
            }
        }
    }

    void removeBinding(ObjectNode o, boolean namespaced) {
        String ns = namespaced ? meta(o, "namespace") : "";
        String name = meta(o, "name");
        if (namespaced) {
            String key = ns + "/" + name;
            Binding b = roleBindings.remove(key);
            if (b != null) {
                for (String s : b.subjectKeys()) {
                    unindex(roleBindingsBySubject, ns + "/" + s, key);
                }
            }
        } else {
            Binding b = clusterBindings.remove(name);
            if (b != null) {
                for (String s : b.subjectKeys()) {
                    unindex(clusterBindingsBySubject, s, name);
                }
            }
        }
    }

    private static void unindex(Map<String, Set<String>> index, String subject, String binding) {
        index.computeIfPresent(subject, (k, set) -> {
            set.remove(binding);
            return set.isEmpty() ? null : set;
        });
    }

    /**
     * Kubernetes' DefaultRuleResolver.VisitRulesFor: the rules of the cluster role bindings of the user and its groups,
     * then (with a namespace) those of the namespace's role bindings. Returns false when the visitor stopped the walk.
     */
    public boolean visitRulesFor(Authenticator.User user, String namespace, RuleVisitor visitor) {
        List<String> keys = new ArrayList<>(user.groups().size() + 1);
        keys.add(USER + user.name());
        for (String g : user.groups()) {
            keys.add(GROUP + g);
        }
        Set<String> seen = null;
        for (String key : keys) {
            Set<String> names = clusterBindingsBySubject.get(key);
            if (names == null) {
                continue;
            }
            for (String name : names) {
                if (keys.size() > 1) {
                    if (seen == null) {
                        seen = new java.util.HashSet<>();
                    }
                    if (!seen.add(name)) {
                        continue;
                    }
                }
                Binding b = clusterBindings.get(name);
                if (b != null && !visitRole(b, "", visitor)) {
                    return false;
                }
            }
        }
        if (namespace == null || namespace.isEmpty()) {
            return true;
        }
        seen = null;
        for (String key : keys) {
            Set<String> names = roleBindingsBySubject.get(namespace + "/" + key);
            if (names == null) {
                continue;
            }
            for (String name : names) {
                if (keys.size() > 1) {
                    if (seen == null) {
                        seen = new java.util.HashSet<>();
                    }
                    if (!seen.add(name)) {
                        continue;
                    }
                }
                Binding b = roleBindings.get(name);
                if (b != null && !visitRole(b, namespace, visitor)) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean visitRole(Binding b, String namespace, RuleVisitor visitor) {
        List<PolicyRule> rules = roleRules(b.roleKind(), b.roleName(), namespace);
        if (rules == null) {
            return visitor.visit(null, notFound(b.roleKind(), b.roleName()));
        }
        for (PolicyRule r : rules) {
            if (!visitor.visit(r, null)) {
                return false;
            }
        }
        return true;
    }

    /** GetRoleReferenceRules: a ClusterRole's rules, or a Role's in {@code namespace}; null when it does not exist. */
    public List<PolicyRule> roleRules(String kind, String name, String namespace) {
        return switch (kind) {
            case "ClusterRole" -> clusterRoles.get(name);
            case "Role" -> roles.get(namespace + "/" + name);
            default -> null;
        };
    }

    /** The NotFound message of a missing role, as the lister's error reads. */
    public static String notFound(String kind, String name) {
        return ("ClusterRole".equals(kind) ? "clusterrole" : "role") + ".rbac.authorization.k8s.io \"" + name
                + "\" not found";
    }

    /** The rules that apply to {@code user} in {@code namespace}, with the errors met (RulesFor). */
    public record Rules(List<PolicyRule> rules, List<String> errors) {
    }

    public Rules rulesFor(Authenticator.User user, String namespace) {
        List<PolicyRule> rules = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        visitRulesFor(user, namespace, (rule, error) -> {
            if (rule != null) {
                rules.add(rule);
            } else {
                errors.add(error);
            }
            return true;
        });
        return new Rules(rules, errors);
    }

    /** How many RBAC objects the index holds (for the log and tests). */
    public int size() {
        return roles.size() + clusterRoles.size() + roleBindings.size() + clusterBindings.size();
    }

    @Override
    public void close() {
        closed = true;
        synchronized (registrations) {
            registrations.forEach(WatchCache.Registration::close);
            registrations.clear();
        }
    }
}
