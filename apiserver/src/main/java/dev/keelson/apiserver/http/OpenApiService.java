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

/**
 * /openapi/v3 and its per-group-version documents, generated once from the model for built-in kinds and by an
 * {@link Extension} for kinds defined at runtime (custom resources); /openapi/v2 is 404.
 */
public final class OpenApiService {
    /** Group-versions whose documents come from elsewhere; a document's hash changes whenever its content does. */
    public interface Extension {
        /** Group-version to the hash of its current document. */
        Map<String, String> groupVersions();

        /** The document of a group-version, or null when it is not (or no longer) served. */
        String document(String groupVersion);
    }

    private final Resources resources;
    private final Map<String, String> documents = new ConcurrentHashMap<>();
    private volatile String index;
    private volatile Extension extension;

    public OpenApiService(Resources resources) {
        this.resources = resources;
    }

    public void extend(Extension e) {
        this.extension = e;
    }

    private List<OpenApi.Resource> models() {
        List<OpenApi.Resource> out = new ArrayList<>();
        for (ResourceType t : resources.all()) {
            if (t.model() == null) {
                continue;
            }
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
                req.response().putHeader("Content-Type", "application/json").end(withExtension(index));
                return;
            }
            String gv = String.join("/", java.util.Arrays.copyOfRange(seg, 2, seg.length));
            String key = gv.startsWith("api/") ? gv.substring(4) : gv.startsWith("apis/") ? gv.substring(5) : null;
            Extension ext = extension;
            String custom = key == null || ext == null ? null : ext.document(key);
            if (custom != null) {
                req.response().putHeader("Content-Type", "application/json").end(custom);
                return;
            }
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

    private String withExtension(String builtIn) {
        Extension ext = extension;
        if (ext == null) {
            return builtIn;
        }
        ObjectNode idx;
        try {
            idx = (ObjectNode) Json.MAPPER.readTree(builtIn);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ObjectNode paths = (ObjectNode) idx.get("paths");
        ext.groupVersions().forEach((gv, hash) -> paths.putObject("apis/" + gv)
                .put("serverRelativeURL", "/openapi/v3/apis/" + gv + "?hash=" + hash));
        return Json.text(idx);
    }
}
