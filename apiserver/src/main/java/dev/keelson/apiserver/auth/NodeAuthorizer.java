package dev.keelson.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.registry.GenericStore;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import java.util.Map;

/**
 * What a node identity ({@code system:node:NAME} in group {@code system:nodes}, the certificates agents get when they
 * join) may do, after Kubernetes' Node authorizer and NodeRestriction admission: read the cluster's state, write its
 * own Node, Lease and events, the status of pods bound to it and their final deletion, read only the secrets and
 * config maps those pods use, and ask for tokens of the service accounts those pods run as. Everything else is 403 Forbidden, so one node's credentials cannot change another
 * node's objects or the workloads. Other users are not restricted here. This is the {@code Node} mode of
 * {@code --authorization-mode}; the checks that need the object are in the NodeRestriction admission plugin.
 */
public final class NodeAuthorizer implements Authorizer {
    static final String NODES_GROUP = "system:nodes";
    static final String NODE_PREFIX = "system:node:";

    private final Resources resources;
    private final Map<ResourceType, GenericStore> stores;

    public NodeAuthorizer(Resources resources, Map<ResourceType, GenericStore> stores) {
        this.resources = resources;
        this.stores = stores;
    }

    /** The node a user acts for, or null when the user is not a node. */
    public static String nodeName(Authenticator.User user) {
        if (user == null || !user.name().startsWith(NODE_PREFIX) || !user.groups().contains(NODES_GROUP)) {
            return null;
        }
        return user.name().substring(NODE_PREFIX.length());
    }

    /**
     * Node identities only: Allow or Deny (Deny rather than Kubernetes' NoOpinion, so that the default
     * {@code Node,AlwaysAllow} keeps nodes restricted until RBAC exists); NoOpinion for everyone else and for
     * non-resource paths. What a node may write is checked again with the object by the NodeRestriction admission
     * plugin.
     */
    @Override
    public Decision authorize(Attributes a) {
        String node = nodeName(a.user());
        if (node == null || !a.resourceRequest()) {
            return Decision.NO_OPINION;
        }
        String verb = a.verb();
        String name = a.name();
        String namespace = a.namespace();
        String subresource = a.subresource().isEmpty() ? null : a.subresource();
        boolean read = verb.equals("get") || verb.equals("list") || verb.equals("watch");
        switch (a.apiGroup() + "/" + a.resource()) {
            case "/secrets", "/configmaps" -> {
                if (verb.equals("get") && subresource == null && usedByPodOn(node, a.resource(), namespace, name)) {
                    return Decision.ALLOW;
                }
                return Decision.deny("no relationship found between node '" + node + "' and this object");
            }
            case "/serviceaccounts" -> {
                if ("token".equals(subresource)) {
                    if (verb.equals("create") && accountOfPodOn(node, namespace, name)) {
                        return Decision.ALLOW;
                    }
                    return Decision.deny("no relationship found between node '" + node + "' and this object");
                }
                if (read && subresource == null) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' may only read this resource");
            }
            case "/nodes" -> {
                if (read || verb.equals("create")
                        || node.equals(name) && (verb.equals("update") || verb.equals("patch") || verb.equals("delete"))
                        && (subresource == null || subresource.equals("status"))) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' cannot modify node '" + name + "'");
            }
            case "/pods" -> {
                if (read && subresource == null) {
                    return Decision.ALLOW;
                }
                boolean statusWrite = "status".equals(subresource) && (verb.equals("update") || verb.equals("patch"));
                boolean deletion = subresource == null && verb.equals("delete");
                if ((statusWrite || deletion) && node.equals(boundNode(namespace, name))) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' can only update the status of and delete pods bound to it");
            }
            case "/persistentvolumes" -> {
                // the local-path provisioner in the node's kubelet: NodeRestriction checks a created volume's body
                if (read && subresource == null || verb.equals("create") && subresource == null
                        || verb.equals("delete") && subresource == null && LocalPathVolumes.ownedBy(volume(name), node)) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' can only create and delete the local-path volumes of its "
                        + "own node");
            }
            case "coordination.k8s.io/leases" -> {
                if (read || "kube-node-lease".equals(namespace) && (verb.equals("create") || node.equals(name)
                        && (verb.equals("update") || verb.equals("patch") || verb.equals("delete")))) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' can only write its own lease in namespace kube-node-lease");
            }
            case "certificates.k8s.io/certificatesigningrequests" -> {
                // as Kubernetes' system:node role: a node asks for (and renews) its own certificates
                if ((read || verb.equals("create")) && subresource == null) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' can only create and read certificate signing requests");
            }
            case "/events", "events.k8s.io/events" -> {
                if (read || verb.equals("create") || verb.equals("update") || verb.equals("patch")) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' can only create and update events");
            }
            default -> {
                if (read && subresource == null) {
                    return Decision.ALLOW;
                }
                return Decision.deny("node '" + node + "' may only read this resource");
            }
        }
    }

    private ObjectNode volume(String name) {
        ResourceType volumes = resources.find("", "v1", "persistentvolumes");
        return name.isEmpty() || volumes == null ? null : stores.get(volumes).cache().get(volumes.key(null, name));
    }

    private String boundNode(String namespace, String name) {
        if (name.isEmpty()) {
            return null;
        }
        ResourceType pods = resources.find("", "v1", "pods");
        ObjectNode pod = stores.get(pods).cache().get(pods.key(namespace, name));
        return pod == null ? null : pod.path("spec").path("nodeName").asText(null);
    }

    /** Whether a pod bound to the node runs as the service account (so the node may ask for its tokens). */
    private boolean accountOfPodOn(String node, String namespace, String name) {
        if (name.isEmpty() || namespace.isEmpty()) {
            return false;
        }
        ResourceType pods = resources.find("", "v1", "pods");
        for (ObjectNode pod : stores.get(pods).cache().snapshot(pods.prefix(namespace)).objects()) {
            JsonNode spec = pod.path("spec");
            if (node.equals(spec.path("nodeName").asText()) && name.equals(spec.path("serviceAccountName").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Whether a pod bound to the node refers to the secret or config map (volumes, env, envFrom, pull secrets). */
    private boolean usedByPodOn(String node, String resource, String namespace, String name) {
        if (name.isEmpty() || namespace.isEmpty()) {
            return false;
        }
        ResourceType pods = resources.find("", "v1", "pods");
        boolean secret = resource.equals("secrets");
        for (ObjectNode pod : stores.get(pods).cache().snapshot(pods.prefix(namespace)).objects()) {
            JsonNode spec = pod.path("spec");
            if (node.equals(spec.path("nodeName").asText()) && refersTo(spec, secret, name)) {
                return true;
            }
        }
        return false;
    }

    static boolean refersTo(JsonNode spec, boolean secret, String name) {
        for (JsonNode v : spec.path("volumes")) {
            if (secret ? name.equals(v.path("secret").path("secretName").asText(null))
                    : name.equals(v.path("configMap").path("name").asText(null))) {
                return true;
            }
            for (JsonNode source : v.path("projected").path("sources")) {
                if (name.equals(source.path(secret ? "secret" : "configMap").path("name").asText(null))) {
                    return true;
                }
            }
        }
        if (secret) {
            for (JsonNode ref : spec.path("imagePullSecrets")) {
                if (name.equals(ref.path("name").asText(null))) {
                    return true;
                }
            }
        }
        for (String list : new String[] {"initContainers", "containers", "ephemeralContainers"}) {
            for (JsonNode c : spec.path(list)) {
                for (JsonNode env : c.path("env")) {
                    JsonNode ref = env.path("valueFrom").path(secret ? "secretKeyRef" : "configMapKeyRef");
                    if (name.equals(ref.path("name").asText(null))) {
                        return true;
                    }
                }
                for (JsonNode from : c.path("envFrom")) {
                    if (name.equals(from.path(secret ? "secretRef" : "configMapRef").path("name").asText(null))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
