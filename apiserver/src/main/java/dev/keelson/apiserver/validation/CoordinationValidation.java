package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** coordination.k8s.io/v1 Leases and the v1 Binding a scheduler posts to bind a pod to a node. */
public final class CoordinationValidation {

    private CoordinationValidation() {
    }

    public static void lease(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        FieldPath p = FieldPath.of("spec");
        ObjectNode spec = e.object(obj, "spec", p);
        Long duration = e.integer(spec, "leaseDurationSeconds", p.child("leaseDurationSeconds"));
        if (duration != null && duration <= 0) {
            e.invalid(p.child("leaseDurationSeconds"), duration, "must be greater than 0");
        }
        Long transitions = e.integer(spec, "leaseTransitions", p.child("leaseTransitions"));
        if (transitions != null && transitions < 0) {
            e.invalid(p.child("leaseTransitions"), transitions, "must be greater than or equal to 0");
        }
        e.str(spec, "holderIdentity", p.child("holderIdentity"));
    }

    static void binding(Errs e, ObjectNode obj) {
        ObjectNode target = e.object(obj, "target", FieldPath.of("target"));
        String kind = e.text(target, "kind", FieldPath.of("target", "kind"));
        if (!kind.isEmpty() && !kind.equals("Node")) {
            e.notSupported(FieldPath.of("target", "kind"), kind, List.of("Node", "<empty>"));
        }
        if (e.text(target, "name", FieldPath.of("target", "name")).isEmpty()) {
            e.required(FieldPath.of("target", "name"), "");
        }
    }
}
