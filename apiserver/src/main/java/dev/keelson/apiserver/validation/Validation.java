package dev.keelson.apiserver.validation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Entry point of API validation: given a kind and the object as stored JSON, the list of field errors Kubernetes would
 * report (empty when valid). Strategies call this after defaulting; the HTTP layer turns a non-empty list into 422 Invalid.
 */
public final class Validation {

    /** Settings that come from apiserver flags. */
    public record Options(int nodePortMin, int nodePortMax) {
        public static final Options DEFAULT = new Options(30000, 32767);
    }

    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "Node");

    private Validation() {
    }

    /** Whether objects of this kind live in a namespace (the kinds this package knows; others are assumed namespaced). */
    public static boolean isNamespaced(String kind) {
        return !CLUSTER_SCOPED.contains(kind);
    }

    public static List<FieldError> validateCreate(String apiVersion, String kind, ObjectNode obj) {
        return validateCreate(apiVersion, kind, obj, isNamespaced(kind), Options.DEFAULT);
    }

    public static List<FieldError> validateCreate(String apiVersion, String kind, ObjectNode obj, boolean namespaced) {
        return validateCreate(apiVersion, kind, obj, namespaced, Options.DEFAULT);
    }

    public static List<FieldError> validateCreate(String apiVersion, String kind, ObjectNode obj, boolean namespaced,
            Options options) {
        Errs e = new Errs();
        create(e, apiVersion, kind, obj, namespaced, options);
        return distinct(e);
    }

    /** Validates an update: the new object on its own, plus what may not change from the old one. */
    public static List<FieldError> validateUpdate(String apiVersion, String kind, ObjectNode newObj, ObjectNode oldObj) {
        return validateUpdate(apiVersion, kind, newObj, oldObj, isNamespaced(kind), Options.DEFAULT);
    }

    public static List<FieldError> validateUpdate(String apiVersion, String kind, ObjectNode newObj, ObjectNode oldObj,
            boolean namespaced) {
        return validateUpdate(apiVersion, kind, newObj, oldObj, namespaced, Options.DEFAULT);
    }

    public static List<FieldError> validateUpdate(String apiVersion, String kind, ObjectNode newObj, ObjectNode oldObj,
            boolean namespaced, Options options) {
        Errs e = new Errs();
        switch (key(apiVersion, kind)) {
            case "v1/Pod" -> PodValidation.podUpdate(e, newObj, oldObj, namespaced);
            case "v1/Service" -> ServiceValidation.serviceUpdate(e, newObj, oldObj, namespaced, options.nodePortMin(),
                    options.nodePortMax());
            case "v1/Node" -> ClusterScopedValidation.nodeUpdate(e, newObj, oldObj);
            case "v1/ConfigMap" -> ConfigValidation.configMapUpdate(e, newObj, oldObj, namespaced);
            case "v1/Secret" -> ConfigValidation.secretUpdate(e, newObj, oldObj, namespaced);
            case "discovery.k8s.io/v1/EndpointSlice" -> EndpointValidation.endpointSliceUpdate(e, newObj, oldObj, namespaced);
            case "apps/v1/Deployment", "apps/v1/ReplicaSet" -> {
                MetaValidation.objectMetaUpdate(e, newObj, oldObj);
                create(e, apiVersion, kind, newObj, namespaced, options);
                WorkloadValidation.selectorImmutable(e, newObj, oldObj);
            }
            case "autoscaling/v1/Scale", "v1/Binding" -> create(e, apiVersion, kind, newObj, namespaced, options);
            default -> {
                MetaValidation.objectMetaUpdate(e, newObj, oldObj);
                create(e, apiVersion, kind, newObj, namespaced, options);
            }
        }
        return distinct(e);
    }

    private static void create(Errs e, String apiVersion, String kind, ObjectNode obj, boolean namespaced, Options options) {
        switch (key(apiVersion, kind)) {
            case "v1/Pod" -> PodValidation.pod(e, obj, namespaced);
            case "v1/Service" -> ServiceValidation.service(e, obj, namespaced, options.nodePortMin(), options.nodePortMax());
            case "v1/Namespace" -> ClusterScopedValidation.namespace(e, obj, namespaced);
            case "v1/Node" -> ClusterScopedValidation.node(e, obj, namespaced);
            case "v1/Endpoints" -> EndpointValidation.endpoints(e, obj, namespaced);
            case "v1/ConfigMap" -> ConfigValidation.configMap(e, obj, namespaced);
            case "v1/Secret" -> ConfigValidation.secret(e, obj, namespaced);
            case "v1/ServiceAccount" -> ConfigValidation.serviceAccount(e, obj, namespaced);
            case "v1/Event" -> EventValidation.coreEvent(e, obj, namespaced);
            case "events.k8s.io/v1/Event" -> EventValidation.eventsV1(e, obj, namespaced);
            case "v1/Binding" -> CoordinationValidation.binding(e, obj);
            case "coordination.k8s.io/v1/Lease" -> CoordinationValidation.lease(e, obj, namespaced);
            case "discovery.k8s.io/v1/EndpointSlice" -> EndpointValidation.endpointSlice(e, obj, namespaced);
            case "apps/v1/Deployment" -> WorkloadValidation.deployment(e, obj, namespaced);
            case "apps/v1/ReplicaSet" -> WorkloadValidation.replicaSet(e, obj, namespaced);
            case "autoscaling/v1/Scale" -> WorkloadValidation.scale(e, obj, namespaced);
            default -> MetaValidation.objectMeta(e, obj, namespaced, MetaValidation.DNS_SUBDOMAIN);
        }
    }

    private static String key(String apiVersion, String kind) {
        return apiVersion + "/" + kind;
    }

    /** Kubernetes drops repeated errors (same field and message) when it aggregates them; so do we. */
    private static List<FieldError> distinct(Errs e) {
        return List.copyOf(new ArrayList<>(new LinkedHashSet<>(e.list())));
    }
}
