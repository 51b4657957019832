package dev.keelson.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keelson.apiserver.ApiException;
import dev.keelson.apiserver.Json;
import dev.keelson.apiserver.openapi.OpenApi;
import dev.keelson.apiserver.registry.ResourceType;
import dev.keelson.apiserver.registry.Resources;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** /openapi/v3 and its per-group-version documents, generated once from the model; /openapi/v2 is 404. */
public final class OpenApiService {
    private final Resources resources;
    private final Map<String, String> documents = new ConcurrentHashMap<>();
    private volatile String index;

    public OpenApiService(Resources resources) {
        this.resources = resources;
    }

    private List<OpenApi.Resource> models() {
        List<OpenApi.Resource> out = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            out.add(new OpenApi.Resource(t.group(), t.version(), t.kind(), t.plural(), t.namespaced(), t.model(),
                    List.copyOf(t.subresources())));
        }
        return out;
    }

    void serve(HttpServerRequest req, String[] seg) {
        if (seg.length >= 2 && "v3".equals(seg[1])) {
            if (seg.length == 2) {
                if (index == null) {
                    index = Json.text(OpenApi.index(models(), Integer.toHexString(resources.all().hashCode())));
                }
                req.response().putHeader("Content-Type", "application/json").end(index);
                return;
            }
            String gv = String.join("/", java.util.Arrays.copyOfRange(seg, 2, seg.length));
            String key = gv.startsWith("api/") ? gv.substring(4) : gv.startsWith("apis/") ? gv.substring(5) : null;
            if (key != null && resources.groupVersions().contains(key)) {
                String doc = documents.computeIfAbsent(key, k -> {
                    ObjectNode d = OpenApi.document(k, models());
                    return Json.text(d);
                });
                req.response().putHeader("Content-Type", "application/json").end(doc);
                return;
            }
        }
        throw new ApiException(404, "NotFound", "the server could not find the requested resource", null);
    }
}
