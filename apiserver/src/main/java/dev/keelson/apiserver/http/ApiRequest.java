package dev.keelson.apiserver.http;

import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;

/** A resource request path, parsed: {@code /apis/apps/v1/namespaces/ns/deployments/name/scale}. */
public record ApiRequest(String group, String version, ResourceType type, String namespace, String name,
                         String subresource) {

    /** Parses the path after the group-version; returns null when the path is not a resource path. */
    static ApiRequest parse(String[] seg, Resources resources) {
        int i;
        String group;
        String version;
        if ("api".equals(seg[0])) {
            group = "";
            version = seg[1];
            i = 2;
        } else {
            group = seg[1];
            version = seg[2];
            i = 3;
        }
        String namespace = null;
        int rest = seg.length - i;
        if (rest >= 3 && "namespaces".equals(seg[i]) && !(group.isEmpty() && rest == 3
                && ("status".equals(seg[i + 2]) || "finalize".equals(seg[i + 2])))) {
            namespace = seg[i + 1];
            i += 2;
            rest -= 2;
        }
        if (rest < 1 || rest > 3) {
            return null;
        }
        String plural = seg[i];
        ResourceType type = resources.find(group, version, plural);
        if (type == null) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        String name = rest >= 2 ? seg[i + 1] : null;
        String sub = rest == 3 ? seg[i + 2] : null;
        if (type.namespaced() && namespace == null && name != null) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        if (!type.namespaced() && namespace != null) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        if (sub != null && !type.subresources().contains(sub)) {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
        }
        return new ApiRequest(group, version, type, namespace, name, sub);
    }
}
