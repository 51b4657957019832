package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.componentbase.api.Semantic;
import java.util.List;

/** Events in both APIs: core/v1 (legacy rules) and events.k8s.io/v1 (strict rules for new-style events). */
public final class EventValidation {

    private static final int REPORTING_INSTANCE_LIMIT = 128;
    private static final int ACTION_LIMIT = 128;
    private static final int REASON_LIMIT = 128;
    private static final int NOTE_LIMIT = 1024;

    private EventValidation() {
    }

    /** core/v1 Event. Old-style events (no eventTime) need only a consistent involvedObject namespace. */
    public static void coreEvent(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        String namespace = ObjectNodes.text(ObjectNodes.child(obj, "metadata"), "namespace");
        FieldPath ip = FieldPath.of("involvedObject");
        ObjectNode involved = e.object(obj, "involvedObject", ip);
        String involvedNs = e.text(involved, "namespace", ip.child("namespace"));
        if (!ObjectNodes.has(obj, "eventTime")) {
            if (involvedNs.isEmpty()) {
                if (!namespace.isEmpty() && !namespace.equals("default")) {
                    e.invalid(ip.child("namespace"), involvedNs, "does not match event.namespace");
                }
            } else if (!namespace.equals(involvedNs)) {
                e.invalid(ip.child("namespace"), involvedNs, "does not match event.namespace");
            }
        } else {
            if (involvedNs.isEmpty() && !namespace.equals("default") && !namespace.equals("kube-system")) {
                e.invalid(ip.child("namespace"), involvedNs, "does not match event.namespace");
            }
            reportingFields(e, obj, "reportingComponent", "message");
        }
    }

    /** events.k8s.io/v1 Event. */
    public static void eventsV1(Errs e, ObjectNode obj, boolean namespaced) {
        MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        String namespace = ObjectNodes.text(ObjectNodes.child(obj, "metadata"), "namespace");
        ObjectNode regarding = e.object(obj, "regarding", FieldPath.of("regarding"));
        String regardingNs = e.text(regarding, "namespace", FieldPath.of("regarding", "namespace"));
        if (regardingNs.isEmpty() && !namespace.equals("default") && !namespace.equals("kube-system")) {
            e.invalid(FieldPath.of("regarding", "namespace"), regardingNs, "does not match event.namespace");
        }
        if (!ObjectNodes.has(obj, "eventTime")) {
            e.required(FieldPath.of("eventTime"), "");
        }
        reportingFields(e, obj, "reportingController", "note");
        String type = e.text(obj, "type", FieldPath.of("type"));
        if (!type.equals("Normal") && !type.equals("Warning")) {
            e.invalid(FieldPath.of("type"), "", "has invalid value: " + type);
        }
        for (String f : List.of("deprecatedFirstTimestamp", "deprecatedLastTimestamp", "deprecatedCount", "deprecatedSource")) {
            if (!Semantic.isZero(obj.get(f))) {
                e.invalid(FieldPath.of(f), "", "needs to be unset");
            }
        }
        ObjectNode series = e.object(obj, "series", FieldPath.of("series"));
        if (series != null) {
            Long count = e.integer(series, "count", FieldPath.of("series", "count"));
            if (count == null || count < 2) {
                e.invalid(FieldPath.of("series", "count"), count == null ? 0L : count, "should be at least 2");
            }
            if (!ObjectNodes.has(series, "lastObservedTime")) {
                e.required(FieldPath.of("series", "lastObservedTime"), "");
            }
        }
    }

    private static void reportingFields(Errs e, ObjectNode obj, String controllerField, String messageField) {
        String controller = e.text(obj, controllerField, FieldPath.of(controllerField));
        if (controller.isEmpty()) {
            e.required(FieldPath.of(controllerField), "");
        }
        e.invalidEach(FieldPath.of(controllerField), controller, Formats.qualifiedName(controller));
        limited(e, obj, "reportingInstance", REPORTING_INSTANCE_LIMIT, true);
        limited(e, obj, "action", ACTION_LIMIT, true);
        limited(e, obj, "reason", REASON_LIMIT, true);
        limited(e, obj, messageField, NOTE_LIMIT, false);
    }

    private static void limited(Errs e, ObjectNode obj, String field, int limit, boolean required) {
        String value = e.text(obj, field, FieldPath.of(field));
        if (required && value.isEmpty()) {
            e.required(FieldPath.of(field), "");
        }
        if (Formats.bytes(value) > limit) {
            e.invalid(FieldPath.of(field), "", "can have at most " + limit + " characters");
        }
    }
}
