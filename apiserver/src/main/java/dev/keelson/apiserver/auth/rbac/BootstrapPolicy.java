package dev.keelson.apiserver.auth.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.keelson.apiserver.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' RBAC bootstrap policy as API objects: the ClusterRoles (cluster-admin, admin/edit/view with their
 * aggregation labels, system:basic-user, system:discovery, system:public-info-viewer, the components' roles...), their
 * ClusterRoleBindings, kubeadm's node bootstrap bindings and the kube-system leader-locking Roles, read from
 * {@code bootstrap-policy.yaml} beside this class.
 */
public final class BootstrapPolicy {
    public static final String AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";
    static final String GROUP = "rbac.authorization.k8s.io";

    /** The objects, in the order they are reconciled. */
    public record Objects(List<ObjectNode> clusterRoles, List<ObjectNode> clusterRoleBindings, List<ObjectNode> roles,
                          List<ObjectNode> roleBindings) {
    }

    private BootstrapPolicy() {
    }

    public static Objects load() {
        try (InputStream in = BootstrapPolicy.class.getResourceAsStream("bootstrap-policy.yaml")) {
            JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(in);
            List<ObjectNode> clusterRoles = new ArrayList<>();
            for (JsonNode r : doc.path("clusterRoles")) {
                clusterRoles.add(role("ClusterRole", r));
            }
            List<ObjectNode> clusterBindings = new ArrayList<>();
            for (JsonNode b : doc.path("clusterRoleBindings")) {
                clusterBindings.add(binding("ClusterRoleBinding", b));
            }
            List<ObjectNode> roles = new ArrayList<>();
            for (JsonNode r : doc.path("roles")) {
                roles.add(role("Role", r));
            }
            List<ObjectNode> bindings = new ArrayList<>();
            for (JsonNode b : doc.path("roleBindings")) {
                bindings.add(binding("RoleBinding", b));
            }
            return new Objects(List.copyOf(clusterRoles), List.copyOf(clusterBindings), List.copyOf(roles),
                    List.copyOf(bindings));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the RBAC bootstrap policy", e);
        }
    }

    private static ObjectNode object(String kind, JsonNode spec) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("apiVersion", GROUP + "/v1");
        o.put("kind", kind);
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", spec.path("name").asText());
        if (spec.has("namespace")) {
            meta.put("namespace", spec.path("namespace").asText());
        }
        meta.putObject("annotations").put(AUTOUPDATE, "true");
        ObjectNode labels = meta.putObject("labels");
        labels.put("kubernetes.io/bootstrapping", "rbac-defaults");
        spec.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return o;
    }

    private static ObjectNode role(String kind, JsonNode spec) {
        ObjectNode o = object(kind, spec);
        if (spec.has("aggregationRule")) {
            o.set("aggregationRule", spec.get("aggregationRule").deepCopy());
        }
        ArrayNode rules = o.putArray("rules");
        for (JsonNode r : spec.path("rules")) {
            rules.add(PolicyRule.of(r).toJson());
        }
        return o;
    }

    private static ObjectNode binding(String kind, JsonNode spec) {
        ObjectNode o = object(kind, spec);
        ObjectNode ref = o.putObject("roleRef");
        ref.put("apiGroup", GROUP);
        ref.put("kind", kind.equals("RoleBinding") ? "Role" : "ClusterRole");
        ref.put("name", spec.path("role").asText());
        ArrayNode subjects = o.putArray("subjects");
        for (JsonNode s : spec.path("subjects")) {
            ObjectNode subject = subjects.addObject();
            String k = s.path("kind").asText();
            subject.put("kind", k);
            if (!k.equals("ServiceAccount")) {
                subject.put("apiGroup", GROUP);
            }
            subject.put("name", s.path("name").asText());
            if (s.has("namespace")) {
                subject.put("namespace", s.path("namespace").asText());
            }
        }
        return o;
    }
}
