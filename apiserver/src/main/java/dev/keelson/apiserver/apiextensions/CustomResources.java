package dev.keelson.apiserver.apiextensions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.registry.ResourceType;
import java.util.List;

/**
 * What the HTTP layer asks about custom resources: their unknown fields, the patch types they accept and the warning
 * of a deprecated version.
 */
public final class CustomResources {
    private CustomResources() {}

    public static boolean isCustom(ResourceType type) {
        return type.strategy() instanceof CustomResourceStrategy;
    }

    /** The fields of {@code obj} its schema does not know ({@code spec.foo}), for fieldValidation Strict and Warn. */
    public static List<String> unknownFields(ResourceType type, ObjectNode obj) {
        if (!(type.strategy() instanceof CustomResourceStrategy s)) {
            return List.of();
        }
        return SchemaDefaulter.prune(obj.deepCopy(), s.schema());
    }

    /** The Warning every request to a deprecated custom resource version carries, or null. */
    public static String deprecationWarning(ResourceType type) {
        return type.strategy() instanceof CustomResourceStrategy s ? s.deprecationWarning() : null;
    }

    /** Custom resources have no strategic merge patch: 415, as kube-apiserver answers. */
    public static ApiException strategicMergeUnsupported() {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                + "application/apply-patch+yaml", null);
    }
}
