package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.auth.LocalPathVolumes;
import dev.keelson.apiserver.auth.NodeAuthorizer;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Kubernetes' NodeRestriction, with its messages: a node identity writes only its own Node (never its taints, nor
 * labels outside the kubelet's set: no {@code node-restriction.kubernetes.io/} or {@code node-role.kubernetes.io/}
 * label, no other kubernetes.io or k8s.io label but the kubelet's own), only its own Lease in kube-node-lease, only the
 * status of pods bound to it (never their labels through status), and deletes or evicts only pods bound to it. The
 * Node authorizer decides the verbs; this plugin checks the objects.
 */
final class NodeRestriction implements AdmissionPlugin {
    static final String NAME = "NodeRestriction";
    /** Labels a kubelet sets on its Node (Kubernetes' kubeletapis.IsKubeletLabel). */
    private static final Set<String> KUBELET_LABELS = Set.of("kubernetes.io/hostname", "kubernetes.io/arch",
            "kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type", "failure-domain.beta.kubernetes.io/region",
            "failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/region", "topology.kubernetes.io/zone");
    private static final Set<String> KUBELET_LABEL_NAMESPACES = Set.of("kubelet.kubernetes.io", "node.kubernetes.io");

    private final PluginContext context;

    NodeRestriction(PluginContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean mutating() {
        return true;
    }

    @Override
    public CompletableFuture<Void> admit(AdmissionRequest r) {
        String node = NodeAuthorizer.nodeName(r.user());
        if (node == null) {
            return DONE;
        }
        if (r.isResource("", "pods")) {
            switch (r.subresource()) {
                case "" -> pod(node, r);
                case "status" -> podStatus(node, r);
                case "eviction" -> eviction(node, r);
                default -> throw r.forbidden("unexpected pod subresource \"" + r.subresource()
                        + "\", only 'status' and 'eviction' are allowed");
            }
        } else if (r.isResource("", "nodes")) {
            node(node, r);
        } else if (r.isResource("coordination.k8s.io", "leases")) {
            lease(node, r);
        } else if (r.isResource("", "persistentvolumes") && r.operation() == Operation.CREATE
                && !LocalPathVolumes.ownedBy(r.object(), node)) {
            throw r.forbidden("node \"" + node + "\" can only create persistent volumes provisioned by "
                    + LocalPathVolumes.PROVISIONER + " with node affinity to itself");
        } else if (r.isResource("", "serviceaccounts") && "token".equals(r.subresource())
                && r.operation() == Operation.CREATE) {
            return serviceAccountToken(node, r);
        }
        return DONE;
    }

    /**
     * A node's TokenRequest must be bound, with its uid, to a pod scheduled on that node: a node can only get tokens
     * for the pods it runs (Kubernetes' admitServiceAccount).
     */
    private CompletableFuture<Void> serviceAccountToken(String node, AdmissionRequest r) {
        com.fasterxml.jackson.databind.JsonNode ref = r.object().path("spec").path("boundObjectRef");
        String podName = ref.path("name").asText("");
        if (!ref.isObject() || !"v1".equals(ref.path("apiVersion").asText()) || !"Pod".equals(ref.path("kind").asText())
                || podName.isEmpty()) {
            throw r.forbidden("node requested token not bound to a pod");
        }
        String uid = ref.path("uid").asText("");
        if (uid.isEmpty()) {
            throw r.forbidden("node requested token with a pod binding without a uid");
        }
        return context.store("", "pods").get(r.namespace(), podName).thenAccept(pod -> {
            if (!uid.equals(pod.path("metadata").path("uid").asText())) {
                throw r.forbidden("the UID in the bound object reference (" + uid + ") does not match the UID in "
                        + "record. The object might have been deleted and then recreated");
            }
            if (!node.equals(pod.path("spec").path("nodeName").asText(""))) {
                throw r.forbidden("node requested token bound to a pod scheduled on a different node");
            }
        });
    }

    private void pod(String node, AdmissionRequest r) {
        switch (r.operation()) {
            case CREATE -> {
                if (!r.object().path("metadata").path("annotations").has("kubernetes.io/config.mirror")) {
                    throw r.forbidden("pod does not have \"kubernetes.io/config.mirror\" annotation, node \"" + node
                            + "\" can only create mirror pods");
                }
                if (!node.equals(r.object().path("spec").path("nodeName").asText(""))) {
                    throw r.forbidden("node \"" + node + "\" can only create pods with spec.nodeName set to itself");
                }
            }
            case DELETE -> {
                if (!node.equals(boundNode(r.namespace(), r.name(), r))) {
                    throw r.forbidden("node \"" + node + "\" can only delete pods with spec.nodeName set to itself");
                }
            }
            default -> throw r.forbidden("unexpected operation \"" + r.operation() + "\", node \"" + node
                    + "\" can only create and delete mirror pods");
        }
    }

    private void podStatus(String node, AdmissionRequest r) {
        if (r.operation() != Operation.UPDATE) {
            throw r.forbidden("unexpected operation \"" + r.operation() + "\"");
        }
        if (!node.equals(r.oldObject().path("spec").path("nodeName").asText(""))) {
            throw r.forbidden("node \"" + node + "\" can only update pod status for pods with spec.nodeName set to "
                    + "itself");
        }
        if (!labels(r.oldObject()).equals(labels(r.object()))) {
            throw r.forbidden("node \"" + node + "\" cannot update labels through pod status");
        }
    }

    private void eviction(String node, AdmissionRequest r) {
        if (r.operation() != Operation.CREATE) {
            throw r.forbidden("unexpected operation " + r.operation());
        }
        if (!node.equals(boundNode(r.namespace(), r.name(), r))) {
            throw r.forbidden("node " + node + " can only evict pods with spec.nodeName set to itself");
        }
    }

    private String boundNode(String namespace, String name, AdmissionRequest r) {
        ObjectNode pod = r.oldObject() != null ? r.oldObject() : context.cached("", "pods", namespace, name);
        if (pod == null) {
            throw ApiException.notFound("", "pods", name);
        }
        return pod.path("spec").path("nodeName").asText("");
    }

    private void node(String node, AdmissionRequest r) {
        String requested = r.name();
        if (!node.equals(requested)) {
            throw r.forbidden("node \"" + node + "\" is not allowed to modify node \"" + requested + "\"");
        }
        if (r.operation() == Operation.CREATE) {
            if (r.object().path("spec").hasNonNull("configSource")) {
                throw r.forbidden("node \"" + node + "\" is not allowed to create pods with a non-nil configSource");
            }
            Set<String> forbidden = forbiddenLabels(modifiedLabels(labels(r.object()), Map.of()));
            if (!forbidden.isEmpty()) {
                throw r.forbidden("node \"" + node + "\" is not allowed to set the following labels: "
                        + String.join(", ", forbidden));
            }
        } else if (r.operation() == Operation.UPDATE) {
            JsonNode config = r.object().path("spec").path("configSource");
            if (!config.isMissingNode() && !config.isNull()
                    && !config.equals(r.oldObject().path("spec").path("configSource"))) {
                throw r.forbidden("node \"" + node + "\" is not allowed to update configSource to a new non-nil "
                        + "configSource");
            }
            if (!taints(r.object()).equals(taints(r.oldObject()))) {
                throw r.forbidden("node \"" + node + "\" is not allowed to modify taints");
            }
            Set<String> forbidden = forbiddenLabels(modifiedLabels(labels(r.object()), labels(r.oldObject())));
            if (!forbidden.isEmpty()) {
                throw r.forbidden("is not allowed to modify labels: " + String.join(", ", forbidden));
            }
        }
    }

    private void lease(String node, AdmissionRequest r) {
        if (!"kube-node-lease".equals(r.namespace())) {
            throw r.forbidden("can only access leases in the \"kube-node-lease\" system namespace");
        }
        if (!node.equals(r.name())) {
            throw r.forbidden("can only access node lease with the same name as the requesting node");
        }
    }

    /** Taints compared as Kubernetes' semantic equality does: an absent list equals an empty one. */
    private static JsonNode taints(ObjectNode node) {
        JsonNode t = node.path("spec").path("taints");
        return t.isArray() && !t.isEmpty() ? t : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static Map<String, String> labels(ObjectNode obj) {
        Map<String, String> out = new java.util.HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = obj.path("metadata").path("labels").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    static Set<String> modifiedLabels(Map<String, String> a, Map<String, String> b) {
        Set<String> modified = new TreeSet<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                modified.add(k);
            }
        });
        b.forEach((k, v) -> {
            if (!v.equals(a.get(k))) {
                modified.add(k);
            }
        });
        return modified;
    }

    /** Labels a node may not add, change or remove, sorted as Kubernetes lists them. */
    static Set<String> forbiddenLabels(Set<String> modified) {
        Set<String> forbidden = new TreeSet<>();
        for (String label : modified) {
            String ns = labelNamespace(label);
            if (ns.equals("node-restriction.kubernetes.io") || ns.endsWith(".node-restriction.kubernetes.io")) {
                forbidden.add(label);
            }
            if (isKubernetesLabel(ns) && !isKubeletLabel(label, ns)) {
                forbidden.add(label);
            }
        }
        return forbidden;
    }

    private static boolean isKubernetesLabel(String ns) {
        return ns.equals("kubernetes.io") || ns.endsWith(".kubernetes.io") || ns.equals("k8s.io")
                || ns.endsWith(".k8s.io");
    }

    private static boolean isKubeletLabel(String label, String ns) {
        if (KUBELET_LABELS.contains(label)) {
            return true;
        }
        for (String allowed : KUBELET_LABEL_NAMESPACES) {
            if (ns.equals(allowed) || ns.endsWith("." + allowed)) {
                return true;
            }
        }
        return false;
    }

    private static String labelNamespace(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }
}
