package dev.keelson.controllermanager.common;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Rewrites an object's ownerReferences (adoption, release, orphaning) with a guarded JSON merge patch. */
public final class OwnerRefs {
    private OwnerRefs() {}

    /**
     * Replaces the ownerReferences of {@code obj} with {@code refs}. The patch carries the cached
     * resourceVersion, so it fails with 409 instead of overwriting a change the cache has not seen yet.
     */
    public static void patch(KubernetesClient client, HasMetadata obj, List<OwnerReference> refs) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("resourceVersion", obj.getMetadata().getResourceVersion());
        metadata.put("ownerReferences", refs);
        Map<String, Object> patch = Map.of("metadata", metadata);
        String json = client.getKubernetesSerialization().asJson(patch);
        client.resource(obj).patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }
}
