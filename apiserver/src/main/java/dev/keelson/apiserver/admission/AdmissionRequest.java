package dev.keelson.apiserver.admission;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.auth.Authenticator;
import dev.keelson.apiserver.registry.ResourceType;

/**
 * One admission request, as Kubernetes' admission.Attributes: the operation on a resource (and subresource), the
 * object as it will be stored (mutating plugins may change it), the stored object for updates and deletes, the user,
 * and dry-run. Plugins refuse by throwing {@link #forbidden}.
 */
public final class AdmissionRequest {
    private final Operation operation;
    private final ResourceType type;
    private final String namespace;
    private final String name;
    private final String subresource;
    private final ObjectNode object;
    private final ObjectNode oldObject;
    private final RequestContext context;
    private final boolean dryRun;

    public AdmissionRequest(Operation operation, ResourceType type, String namespace, String name, String subresource,
                            ObjectNode object, ObjectNode oldObject, RequestContext context, boolean dryRun) {
        this.operation = operation;
        this.type = type;
        this.namespace = namespace;
        this.name = name;
        this.subresource = subresource == null ? "" : subresource;
        this.object = object;
        this.oldObject = oldObject;
        this.context = context;
        this.dryRun = dryRun;
    }

    public Operation operation() {
        return operation;
    }

    public ResourceType type() {
        return type;
    }

    public String group() {
        return type.group();
    }

    public String resource() {
        return type.plural();
    }

    /** Whether this is the main resource (no subresource) of {@code group/resource}. */
    public boolean isResource(String group, String resource) {
        return type.group().equals(group) && type.plural().equals(resource);
    }

    public String namespace() {
        return namespace;
    }

    /** The name from the request, or (on create) the object's. */
    public String name() {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        ObjectNode o = object != null ? object : oldObject;
        return o == null ? "" : o.path("metadata").path("name").asText("");
    }

    public String subresource() {
        return subresource;
    }

    public ObjectNode object() {
        return object;
    }

    public ObjectNode oldObject() {
        return oldObject;
    }

    public Authenticator.User user() {
        return context.user();
    }

    public boolean dryRun() {
        return dryRun;
    }

    public void warn(String warning) {
        context.warn(warning);
    }

    /**
     * Kubernetes' admission.NewForbidden: {@code pods "x" is forbidden: why}; before a name is generated the object's
     * generateName stands for it, and "Unknown" when there is neither.
     */
    public ApiException forbidden(String why) {
        String n = name();
        if (n.isEmpty() && object != null) {
            n = object.path("metadata").path("generateName").asText("");
        }
        return ApiException.forbidden(type.group(), type.plural(), n.isEmpty() ? "Unknown" : n, why);
    }
}
