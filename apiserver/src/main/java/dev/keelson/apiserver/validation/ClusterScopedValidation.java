package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Quantities;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Namespaces and Nodes, the two cluster-scoped kinds. */
public final class ClusterScopedValidation {

    private static final Set<String> STANDARD_FINALIZERS = Set.of("kubernetes", "orphan", "foregroundDeletion");

    private ClusterScopedValidation() {
    }

    public static void namespace(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_LABEL);
        FieldPath fp = FieldPath.of("spec", "finalizers");
        ObjectNode spec = e.object(obj, "spec", FieldPath.of("spec"));
        for (String f : e.strings(spec, "finalizers", fp)) {
            e.invalidEach(fp, f, Formats.qualifiedName(f));
            if (!f.contains("/") && !STANDARD_FINALIZERS.contains(f)) {
                e.invalid(fp, f, "name is neither a standard finalizer name nor is it fully qualified");
            }
        }
    }

    public static void node(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        nodeCommon(e, obj);
        List<String> cidrs = podCidrs(obj);
        FieldPath cp = FieldPath.of("spec", "podCIDRs");
        for (int i = 0; i < cidrs.size(); i++) {
            e.invalidEach(cp.index(i), cidrs.get(i), Formats.cidr(cidrs.get(i)));
        }
        if (cidrs.size() > 1) {
            boolean dualStack = cidrs.size() == 2 && cidrs.get(0).contains(":") != cidrs.get(1).contains(":");
            if (!dualStack) {
                e.invalid(cp, cidrs, "may specify no more than one CIDR for each IP family");
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < cidrs.size(); i++) {
                if (!seen.add(cidrs.get(i))) {
                    e.duplicate(cp.index(i), cidrs.get(i));
                }
            }
        }
    }

    public static void nodeUpdate(Errs e, ObjectNode obj, ObjectNode old) {
        MetaValidation.objectMetaUpdate(e, obj, old);
        nodeCommon(e, obj);
        List<String> before = podCidrs(old);
        List<String> now = podCidrs(obj);
        if (!before.isEmpty() && !before.equals(now)) {
            e.forbidden(FieldPath.of("spec", "podCIDRs"), "node updates may not change podCIDR except from \"\" to valid");
        }
        String oldProvider = ObjectNodes.text(ObjectNodes.child(old, "spec"), "providerID");
        if (!oldProvider.isEmpty() && !oldProvider.equals(ObjectNodes.text(ObjectNodes.child(obj, "spec"), "providerID"))) {
            e.forbidden(FieldPath.of("spec", "providerID"), "node updates may not change providerID except from \"\" to valid");
        }
        JsonNode addresses = ObjectNodes.child(obj, "status") == null ? null : obj.get("status").get("addresses");
        Set<String> seen = new HashSet<>();
        for (int i = 0; addresses != null && addresses.isArray() && i < addresses.size(); i++) {
            if (!seen.add(addresses.get(i).toString())) {
                e.duplicate(FieldPath.of("status", "addresses").index(i), addresses.get(i));
            }
        }
    }

    private static void nodeCommon(Errs e, ObjectNode obj) {
        ObjectNode spec = e.object(obj, "spec", FieldPath.of("spec"));
        // Kubernetes reports taint errors under metadata.taints; kept for wire compatibility.
        PodValidation.taints(e, e.objects(spec, "taints", FieldPath.of("spec", "taints")), FieldPath.of("metadata", "taints"));
        ObjectNode status = e.object(obj, "status", FieldPath.of("status"));
        for (String list : List.of("capacity", "allocatable")) {
            ObjectNode resources = e.object(status, list, FieldPath.of("status", list));
            if (resources == null) {
                continue;
            }
            resources.fields().forEachRemaining(en -> {
                FieldPath rp = FieldPath.of("status", list, en.getKey());
                PodValidation.quantity(e, en.getValue(), rp).ifPresent(v -> {
                    if (v.signum() < 0) {
                        e.invalid(rp, Quantities.canonical(v, PodValidation.formatOf(en.getValue())),
                                "must be greater than or equal to 0");
                    }
                });
            });
        }
    }

    private static List<String> podCidrs(ObjectNode obj) {
        ObjectNode spec = ObjectNodes.child(obj, "spec");
        List<String> cidrs = MetaValidation.stringsOf(spec == null ? null : spec.get("podCIDRs"));
        String single = ObjectNodes.text(spec, "podCIDR");
        return cidrs.isEmpty() && !single.isEmpty() ? List.of(single) : cidrs;
    }
}
